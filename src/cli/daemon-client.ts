// CLI commands that touch the store go through the running daemon's HTTP API
// when a daemon holds the embedded store, and open the store themselves
// only when none does (the engine allows one process per data directory).
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Config } from '../config/schema.ts';
import { DriftwatchError } from '../core/errors.ts';
import { scopeForRequest, type Scope } from '../http/scopes.ts';
import { tokenForScope } from '../http/tokens-config.ts';
import { findRunningDaemon } from '../lifecycle/daemon-file.ts';
import type { Logger } from '../core/log/logger.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../core/store/store.ts';

export interface DaemonApi {
  baseUrl: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stream a local file as the request body (baseline uploads). */
  upload<T>(method: string, path: string, file: string, contentType: string): Promise<T>;
}

/** The token to send for a request: a fixed one, or the one whose scope the route needs. */
export type TokenPicker = string | ((scope: Scope) => string | undefined);

/** One line per problem of a problem-details answer (`errors`), as `where: what`. */
function problemLines(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 50).map((e) => {
    if (typeof e !== 'object' || e === null) return String(e);
    const x = e as { detail?: unknown; message?: unknown; parameter?: unknown; pointer?: unknown; index?: unknown };
    const where = typeof x.parameter === 'string' ? x.parameter : typeof x.pointer === 'string' ? x.pointer.replace(/^#\/?/, '').replace(/\//g, '.') || '(body)' : typeof x.index === 'number' ? `event ${x.index}` : '';
    const what = String(x.detail ?? x.message ?? JSON.stringify(e));
    return where ? `${where}: ${what}` : what;
  });
}

/**
 * The daemon's answer: the parsed body, or a DW_DAEMON_API error made from
 * its RFC 9457 problem details (detail, code, and one line per problem).
 */
async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answer
  }
  if (!res.ok) {
    const p = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    // problem+json: `detail`; `error` is what daemons before problem details sent.
    const detail = typeof p.detail === 'string' ? p.detail : typeof p.error === 'string' ? p.error : typeof p.title === 'string' ? p.title : text;
    const code = typeof p.code === 'string' ? p.code : undefined;
    const lines = problemLines(p.errors ?? p.details).filter((l) => !detail.includes(l));
    const msg = `daemon answered ${res.status}${code ? ` ${code}` : ''}: ${detail}${lines.length > 0 ? `\n  ${lines.join('\n  ')}` : ''}`;
    throw new DriftwatchError('DW_DAEMON_API', msg, { details: { status: res.status, ...(code ? { code } : {}), ...(typeof p.request_id === 'string' ? { request_id: p.request_id } : {}) } });
  }
  return parsed as T;
}

export function daemonApi(baseUrl: string, token?: TokenPicker): DaemonApi {
  const auth = (method: string, path: string): Record<string, string> => {
    const t = typeof token === 'function' ? token(scopeForRequest(method, path)) : token;
    return t ? { authorization: `Bearer ${t}` } : {};
  };
  const send = async (method: string, path: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> => {
    try {
      return await fetch(baseUrl + path, { method, ...init, headers: { ...auth(method, path), ...(init.headers as Record<string, string>) } });
    } catch (e) {
      throw new DriftwatchError('DW_DAEMON_API', `cannot reach the daemon at ${baseUrl}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    baseUrl,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      return answer<T>(await send(method, path, { headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }));
    },
    async upload<T>(method: string, path: string, file: string, contentType: string): Promise<T> {
      const size = statSync(file).size;
      const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
      return answer<T>(await send(method, path, { headers: { 'content-type': contentType, 'content-length': String(size) }, body, duplex: 'half' }));
    },
  };
}

export type StoreAccess = { kind: 'daemon'; api: DaemonApi; pid: number } | { kind: 'store'; store: Store };

/** Use the running daemon when it holds the embedded store; else open the store. */
export async function accessStore(config: Config, logger: Logger): Promise<StoreAccess> {
  if (!config.clickhouse.url) {
    const d = findRunningDaemon(config.data_dir);
    if (d) {
      const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
      logger.debug('using the running daemon', { pid: d.pid, port: d.port });
      // Each request carries the first configured token with the scope its route needs.
      const pick = (scope: Scope): string | undefined => tokenForScope(config.http, scope)?.token.reveal();
      return { kind: 'daemon', api: daemonApi(`http://${host}:${d.port}`, pick), pid: d.pid };
    }
  }
  return { kind: 'store', store: await openStore(config, { logger, attempts: 5 }) };
}

export async function releaseAccess(access: StoreAccess): Promise<void> {
  if (access.kind === 'store') await access.store.close();
}

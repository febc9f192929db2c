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

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answer
  }
  if (!res.ok) {
    const msg = typeof parsed === 'object' && parsed && 'error' in parsed ? String((parsed as { error: unknown }).error) : text;
    const details = typeof parsed === 'object' && parsed && 'details' in parsed ? (parsed as { details: unknown }).details : undefined;
    throw new DriftwatchError('DW_DAEMON_API', `daemon answered ${res.status}: ${msg}${details ? `\n  ${JSON.stringify(details)}` : ''}`, { details: { status: res.status } });
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

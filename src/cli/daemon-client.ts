// CLI commands that touch the store go through the running daemon's HTTP API
// when a daemon holds the embedded store, and open the store themselves
// only when none does (the engine allows one process per data directory).
import type { Config } from '../config/schema.ts';
import { pickSecret } from '../core/config/secret.ts';
import { DriftwatchError } from '../core/errors.ts';
import { findRunningDaemon } from '../lifecycle/daemon-file.ts';
import type { Logger } from '../core/log/logger.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../core/store/store.ts';

export interface DaemonApi {
  baseUrl: string;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function daemonApi(baseUrl: string, token?: string): DaemonApi {
  return {
    baseUrl,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(baseUrl + path, {
          method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw new DriftwatchError('DW_DAEMON_API', `cannot reach the daemon at ${baseUrl}: ${(e as Error).message}`, { cause: e });
      }
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
      const token = pickSecret(config.http.auth_token, config.http.auth_token_file)?.reveal();
      logger.debug('using the running daemon', { pid: d.pid, port: d.port });
      return { kind: 'daemon', api: daemonApi(`http://${host}:${d.port}`, token), pid: d.pid };
    }
  }
  return { kind: 'store', store: await openStore(config, { logger, attempts: 5 }) };
}

export async function releaseAccess(access: StoreAccess): Promise<void> {
  if (access.kind === 'store') await access.store.close();
}

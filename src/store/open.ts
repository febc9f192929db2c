// Open the configured store: embedded when no URL is set, else a server
// (waiting for it with capped backoff, the URL named and its password hidden).
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { Config } from '../config/schema.ts';
import { pickSecret } from '../core/config/secret.ts';
import { DriftwatchError, describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import { redactUrl } from '../core/log/redact.ts';
import { retry } from '../core/util/backoff.ts';
import { parseDuration } from '../core/util/duration.ts';
import { openEmbeddedStore } from '../core/store/embedded.ts';
import { openServerStore } from './server.ts';
import type { Store } from '../core/store/store.ts';

export function embeddedStorePath(config: Pick<Config, 'data_dir'>): string {
  return join(config.data_dir, 'clickhouse');
}

async function ensureServerDatabase(ch: Config['clickhouse'] & { url: string }): Promise<void> {
  const boot = createClient({
    url: ch.url,
    username: ch.username,
    password: pickSecret(ch.password, ch.password_file)?.reveal() ?? '',
    request_timeout: parseDuration(ch.request_timeout),
  });
  try {
    await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}${ch.cluster ? ` ON CLUSTER ${ch.cluster.name}` : ''}` });
  } finally {
    await boot.close();
  }
}

export interface OpenStoreOptions {
  logger: Logger;
  /** Stop waiting for a server (shutdown during start). */
  signal?: AbortSignal;
  /** Give up on a server after this many attempts (CLI commands); default keeps trying. */
  attempts?: number;
}

export async function openStore(config: Config, opts: OpenStoreOptions): Promise<Store> {
  const ch = config.clickhouse;
  if (!ch.url) {
    const store = await openEmbeddedStore({ path: embeddedStorePath(config), database: ch.database });
    opts.logger.info('store opened', { kind: 'embedded', path: store.location, database: ch.database });
    return store;
  }
  const url = ch.url;
  const where = redactUrl(url);
  await retry(
    async () => {
      try {
        await ensureServerDatabase({ ...ch, url });
      } catch (e) {
        throw new DriftwatchError('DW_STORE_UNREACHABLE', `ClickHouse at ${where} is unreachable: ${describeError(e)}`, { cause: e, retriable: true });
      }
    },
    {
      maxMs: parseDuration(ch.connect_retry_max),
      baseMs: 250,
      attempts: opts.attempts,
      signal: opts.signal,
      onRetry: (e, attempt, delay) => opts.logger.warn('ClickHouse unreachable, retrying', { url: where, attempt, retry_in_ms: delay, error: describeError(e), code: 'DW_STORE_UNREACHABLE' }),
    },
  );
  const store = openServerStore({ ...ch, url });
  opts.logger.info('store opened', { kind: 'server', url: where, database: ch.database });
  return store;
}

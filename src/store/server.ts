// A ClickHouse server or cluster over HTTP(S).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import type { Config } from '../config/schema.ts';
import { pickSecret } from '../core/config/secret.ts';
import { redactUrl } from '../core/log/redact.ts';
import { parseDuration } from '../core/util/duration.ts';
import { storeOverClient } from '../core/store/client-ops.ts';
import type { Store } from '../core/store/store.ts';

export function openServerStore(ch: Config['clickhouse'] & { url: string }): Store {
  const password = pickSecret(ch.password, ch.password_file)?.reveal() ?? '';
  const tls = ch.tls?.ca_file
    ? ch.tls.cert_file && ch.tls.key_file
      ? { ca_cert: readFileSync(ch.tls.ca_file), cert: readFileSync(ch.tls.cert_file), key: readFileSync(ch.tls.key_file) }
      : { ca_cert: readFileSync(ch.tls.ca_file) }
    : undefined;
  const client = createClient({
    url: ch.url,
    username: ch.username,
    password,
    database: ch.database,
    request_timeout: parseDuration(ch.request_timeout),
    ...(tls ? { tls } : {}),
    // On a cluster an insert into a Distributed table returns once every
    // shard stored its part, so what was just written is read back (the
    // ingest fence, leases) and a failed insert is retried as a whole; and
    // reads see the latest replica state of the coordination tables.
    clickhouse_settings: ch.cluster
      ? { date_time_input_format: 'best_effort', distributed_foreground_insert: 1, insert_quorum: 'auto', select_sequential_consistency: '1' }
      : { date_time_input_format: 'best_effort' },
  });
  return storeOverClient({
    kind: 'server',
    database: ch.database,
    location: redactUrl(ch.url),
    client,
    insertRaw: async (table, format, body, opts) => {
      await client.exec({
        query: `INSERT INTO ${table} FORMAT ${format}`,
        values: Readable.from([typeof body === 'string' ? Buffer.from(body) : body]),
        clickhouse_settings: { ...opts?.settings, ...(opts?.dedupToken ? { insert_deduplication_token: opts.dedupToken } : {}) } as Record<string, string>,
      }).then(async (r) => { r.stream.resume(); await new Promise((res) => r.stream.once('end', res)); });
    },
  });
}

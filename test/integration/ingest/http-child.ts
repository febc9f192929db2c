// A child process for the HTTP ingest crash tests: the real ingest (buffer,
// spool, journals) and HTTP server over the embedded store under
// data_dir, as the daemon assembles them, with a store wrapper whose
// faults the test switches through a JSON file (DW_FAULTS), re-read before
// every insert:
//   {"failInserts": true}       every insert fails (ClickHouse away): requests are spooled (202);
//   {"killAfterInsert": true}   SIGKILL this process right after an insert succeeded, before anything
//                               else runs: the rows are stored, the request is never answered.
// GET /test/counts?prefix=p answers {n: count(), u: uniqExact(event_id)} of predictions with that prefix.
// Prints "LISTENING <port>" once it serves.
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/load.ts';
import { Router } from '../../../src/core/http/router.ts';
import { createLogger } from '../../../src/core/log/logger.ts';
import { DriftwatchError } from '../../../src/core/errors.ts';
import { openEmbeddedStore } from '../../../src/core/store/embedded.ts';
import { migrate } from '../../../src/core/store/migrate.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { HttpServer } from '../../../src/http/server.ts';
import { createIngest } from '../../../src/ingest/index.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import { embeddedStorePath } from '../../../src/store/open.ts';

const { config } = loadConfig({ path: process.env.DW_CONFIG });
const logger = createLogger({ level: 'info' });
const inner = await openEmbeddedStore({ path: embeddedStorePath(config), database: config.clickhouse.database });
await migrate(inner, logger);

function faults(): { failInserts?: boolean; killAfterInsert?: boolean } {
  const file = process.env.DW_FAULTS;
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { failInserts?: boolean; killAfterInsert?: boolean };
  } catch {
    return {};
  }
}

const store: Store = {
  ...inner,
  kind: inner.kind,
  database: inner.database,
  location: inner.location,
  client: inner.client,
  async insertRaw(table, format, body, opts) {
    const f = faults();
    if (f.failInserts) throw new DriftwatchError('DW_STORE_QUERY', 'ClickHouse: Connection refused (injected)', { retriable: true });
    await inner.insertRaw(table, format, body, opts);
    if (f.killAfterInsert) {
      process.stdout.write(`KILLED after inserting ${String(body).split('\n').length - 1} rows\n`);
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined);
    }
  },
};

const registry = createRegistry({ defaultMetrics: false });
const router = new Router();
router.add(
  'GET',
  '/test/counts',
  async (req) => {
    const [r] = await inner.query<{ n: string; u: string }>('SELECT count() AS n, uniqExact(event_id) AS u FROM predictions WHERE startsWith(event_id, {p:String})', { params: { p: req.query.get('prefix') ?? '' } });
    return { status: 200, body: { n: Number(r?.n), u: Number(r?.u) } };
  },
  { public: true },
);
const ingest = createIngest(config, { store: () => store, registry, router, logger });
for (const c of ingest.components) await c.start();
const http = new HttpServer({ host: '127.0.0.1', port: config.http.port, router, registry, logger, readiness: () => ({ ready: true, checks: {} }) });
await http.start();
process.stdout.write(`LISTENING ${http.port}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    const deadline = new AbortController();
    for (const c of [...ingest.components].reverse()) await c.stop(deadline.signal);
    await http.stop();
    process.exit(0);
  })();
});

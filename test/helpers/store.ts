// One embedded store per test file (the engine binds one data dir per
// process, and vitest runs each file in its own forked process).
//
// DW_TEST_CLICKHOUSE=server runs the same tests against a ClickHouse server
// instead: the test server (test/clickhouse-server) in a child process, one
// per opened store, reached over HTTP through the product's server store.
// DW_TEST_CLICKHOUSE_SETTINGS="name=value,..." gives that server's default
// profile (e.g. output_format_json_quote_64bit_integers=1, as older servers).
import { openEmbeddedStore } from '../../src/core/store/embedded.ts';
import { migrate } from '../../src/core/store/migrate.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { parseConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { startClickHouseServer } from '../clickhouse-server/process.ts';

export const STORE_UNDER_TEST: 'embedded' | 'server' = process.env.DW_TEST_CLICKHOUSE === 'server' ? 'server' : 'embedded';

export async function openTestStore(opts: { migrate?: boolean } = {}): Promise<{ store: Store; dataDir: string; cleanup: () => Promise<void> }> {
  if (STORE_UNDER_TEST === 'server') return openServerTestStore(opts);
  const dir = tempDir('dw-store-');
  const store = await openEmbeddedStore({ path: dir.path, database: 'driftwatch' });
  if (opts.migrate ?? true) await migrate(store, silentLogger);
  return {
    store,
    dataDir: dir.path,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
}

async function openServerTestStore(opts: { migrate?: boolean }): Promise<{ store: Store; dataDir: string; cleanup: () => Promise<void> }> {
  const profile = (process.env.DW_TEST_CLICKHOUSE_SETTINGS ?? '').split(',').filter((kv) => kv.includes('='));
  const server = await startClickHouseServer({ settings: Object.fromEntries(profile.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) });
  const dir = tempDir('dw-store-');
  try {
    const store = await openStore(parseConfig({ data_dir: dir.path, clickhouse: { url: server.url, database: 'driftwatch' } }), { logger: silentLogger, attempts: 3 });
    if (opts.migrate ?? true) await migrate(store, silentLogger);
    return {
      store,
      dataDir: dir.path,
      cleanup: async () => {
        await store.close();
        await server.stop();
        dir.remove();
      },
    };
  } catch (e) {
    await server.stop();
    dir.remove();
    throw e;
  }
}

// One embedded store per test file (the engine binds one data dir per
// process, and vitest runs each file in its own forked process).
import { openEmbeddedStore } from '../../src/core/store/embedded.ts';
import { migrate } from '../../src/core/store/migrate.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { tempDir } from '../../testkit/tmp.ts';

export async function openTestStore(opts: { migrate?: boolean } = {}): Promise<{ store: Store; dataDir: string; cleanup: () => Promise<void> }> {
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

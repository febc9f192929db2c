// Seeds the planted versions into a data directory from a child process (the
// engine binds one data directory per process, and the CLI under test opens
// it itself).   node --import tsx test/detectors/versions/seed-main.ts <data_dir>
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { openEmbeddedStore } from '../../../src/core/store/embedded.ts';
import { migrate } from '../../../src/core/store/migrate.ts';
import { seedPlanted } from './planted.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: seed-main.ts <data_dir>');
const store = await openEmbeddedStore({ path: join(dataDir, 'clickhouse'), database: 'driftwatch' });
await migrate(store, silentLogger);
await seedPlanted(store);
await store.close();

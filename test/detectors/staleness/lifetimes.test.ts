// version_lifetimes (sql/071): the migration backfills versions stored
// before it, and the materialized view keeps it up to date afterwards.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { migrate, SQL_DIR } from '../../../src/core/store/migrate.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { openTestStore } from '../../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
const before071 = tempDir('dw-mig-');

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
  for (const f of readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql') && f < '071')) copyFileSync(join(SQL_DIR, f), join(before071.path, f));
});
afterAll(async () => {
  await cleanup?.();
  before071.remove();
});

const insert = (id: string, ts: string) =>
  store.command(`INSERT INTO predictions (event_id, ts, model, model_version, prediction, features, source, kafka_topic, kafka_partition, kafka_offset) VALUES ('${id}', '${ts}', 'm', 'v1', '1', '{}', 'test', '', -1, -1)`);

const lifetimes = () => store.query("SELECT model, model_version, toString(min(first_seen)) AS first, toString(max(last_seen)) AS last FROM version_lifetimes GROUP BY model, model_version");

describe('version_lifetimes', () => {
  it('migration 071 backfills versions stored before it; later inserts move last_seen', async () => {
    await migrate(store, silentLogger, before071.path);
    await insert('a', '2026-01-01 00:00:00');
    await insert('b', '2026-03-01 00:00:00');
    await migrate(store, silentLogger);
    expect(await lifetimes()).toEqual([{ model: 'm', model_version: 'v1', first: '2026-01-01 00:00:00.000', last: '2026-03-01 00:00:00.000' }]);
    await insert('c', '2026-04-01 00:00:00');
    await insert('c', '2026-04-01 00:00:00');
    expect(await lifetimes()).toEqual([{ model: 'm', model_version: 'v1', first: '2026-01-01 00:00:00.000', last: '2026-04-01 00:00:00.000' }]);
  });
});

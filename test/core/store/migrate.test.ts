import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { applyRetention, loadMigrations, migrate, splitStatements, SQL_DIR } from '../../../src/core/store/migrate.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => cleanup());

describe('splitStatements', () => {
  it('splits at line-ending semicolons and drops comment lines', () => {
    expect(splitStatements('-- c\nCREATE TABLE a (x String DEFAULT \'a;b\');\n\nSELECT 1;')).toEqual(["CREATE TABLE a (x String DEFAULT 'a;b')", 'SELECT 1']);
  });
});

describe('migrate', () => {
  it('applies every migration once, in order, and is idempotent', async () => {
    const all = loadMigrations().map((m) => m.name);
    expect(all.length).toBeGreaterThan(0);
    expect([...all].sort()).toEqual(all);
    const first = await migrate(store, silentLogger);
    expect(first.applied).toEqual(all);
    const second = await migrate(store, silentLogger);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(all);
    const ledger = await store.query<{ n: string }>('SELECT count() AS n FROM schema_migrations FINAL');
    expect(Number(ledger[0]?.n)).toBe(all.length);
    for (const t of ['predictions', 'feature_values', 'labels']) {
      const r = await store.query<{ n: string }>('SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}', { params: { t } });
      expect(Number(r[0]?.n), t).toBe(1);
    }
  });

  it('refuses a migration file edited after it was applied', async () => {
    const dir = tempDir('dw-sql-');
    try {
      cpSync(SQL_DIR, dir.path, { recursive: true });
      const first = loadMigrations(dir.path)[0]!;
      writeFileSync(join(dir.path, first.name), `-- edited\n${first.statements.join(';\n')};\n`);
      await expect(migrate(store, silentLogger, dir.path)).rejects.toMatchObject({ code: 'DW_MIGRATION_CHANGED' });
    } finally {
      dir.remove();
    }
  });

  it('sets and removes the retention TTL', async () => {
    await applyRetention(store, 7);
    const [row] = await store.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'predictions'");
    expect(row?.q).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(7\)/);
    await applyRetention(store, 0);
    const [after] = await store.query<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'predictions'");
    expect(after?.q).not.toMatch(/TTL/);
  });
});

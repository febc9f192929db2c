// runReadOnlySql: answers, truncation, and the engine-side layer beneath the
// guard (readonly and the limits as settings), tested on its own by running
// statements the guard would refuse straight under those settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnlySettings, runReadOnlySql, SQL_DEFAULTS } from '../../src/api/sql.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.command('CREATE TABLE scratch_t (a UInt8) ENGINE = MergeTree ORDER BY a');
  await store.command(`INSERT INTO drift_scores (run_id, run_at, detector, window_start, window_end, baseline, model, model_version, feature, metric, value, status)
    SELECT concat('r', toString(number)), now64(3), 'drift', now64(3), now64(3), 'previous', 'fraud', 'v1', 'amount', 'psi', number / 100, 'ok' FROM numbers(50)`);
});
afterAll(async () => cleanup());

const engineOnly = (sql: string) => store.query(sql, { settings: readOnlySettings(10, SQL_DEFAULTS) });

describe('runReadOnlySql', () => {
  it('answers a SELECT with columns and rows', async () => {
    const r = await runReadOnlySql(store, "SELECT toUInt8(1) AS n, 'x' AS s UNION ALL SELECT toUInt8(2), 'y';");
    expect(r.columns).toEqual(['n', 's']);
    expect(r.rows).toHaveLength(2);
    expect(r.truncated).toBe(false);
  });

  it('caps the rows and says so', async () => {
    const r = await runReadOnlySql(store, 'SELECT run_id FROM drift_scores', { limit: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.truncated).toBe(true);
    const all = await runReadOnlySql(store, 'SELECT run_id FROM drift_scores', { limit: 50 });
    expect(all).toMatchObject({ truncated: false });
    expect(all.rows).toHaveLength(50);
  });

  it('the row cap is an outer limit: aggregates over subqueries see every row', async () => {
    const r = await runReadOnlySql(store, 'SELECT count() AS n FROM (SELECT run_id FROM drift_scores)', { limit: 1 });
    expect(Number(r.rows[0]?.n)).toBe(50);
  });

  it('runs what the engine printed, not the text as sent', async () => {
    const r = await runReadOnlySql(store, 'select   count() as n\n-- a comment; with a semicolon\nfrom drift_scores ;');
    expect(Number(r.rows[0]?.n)).toBe(50);
  });
});

describe('beneath the guard, the engine refuses on its own', () => {
  it.each([
    ['INSERT', 'INSERT INTO scratch_t VALUES (1)', /readonly/],
    ['ALTER', 'ALTER TABLE scratch_t ADD COLUMN b UInt8', /readonly/],
    ['DROP', 'DROP TABLE scratch_t', /readonly/],
    ['TRUNCATE', 'TRUNCATE TABLE predictions', /readonly/],
    ['CREATE', 'CREATE TABLE x (a UInt8) ENGINE = Memory', /readonly/],
    ['readonly=0 in SETTINGS', 'SELECT 1 SETTINGS readonly = 0', /Cannot modify 'readonly' setting in readonly mode/],
    ['lifting the timeout', 'SELECT 1 SETTINGS max_execution_time = 100000', /Cannot modify 'max_execution_time' setting in readonly mode/],
    ['lifting the memory limit', 'SELECT 1 SETTINGS max_memory_usage = 0', /Cannot modify 'max_memory_usage' setting in readonly mode/],
    ['reading local files as a table', "SELECT * FROM file('/etc/passwd', 'LineAsString')", /readonly/],
  ])('%s', async (_, sql, why) => {
    await expect(engineOnly(sql)).rejects.toMatchObject({ code: 'DW_STORE_QUERY', message: expect.stringMatching(why) });
  });

  it('a result over max_result_bytes fails instead of arriving', async () => {
    await expect(store.query("SELECT repeat(run_id, 100000) AS s FROM drift_scores", { settings: readOnlySettings(1000, { ...SQL_DEFAULTS, maxResultBytes: 1024 * 1024 }) })).rejects.toMatchObject({
      message: expect.stringMatching(/Limit for result exceeded/),
    });
  });

  it('a query over the time limit is stopped by the engine', async () => {
    await expect(store.query('SELECT sum(sleepEachRow(0.5)) FROM numbers(10) SETTINGS max_block_size = 1', { settings: readOnlySettings(10, { ...SQL_DEFAULTS, timeoutSeconds: 1 }) })).rejects.toMatchObject({
      code: 'DW_STORE_QUERY',
    });
  });

  it('read-only settings do not stick to the store: writes still work afterwards', async () => {
    await runReadOnlySql(store, 'SELECT 1');
    await engineOnly('SET readonly = 0').catch(() => undefined);
    await store.command('INSERT INTO scratch_t VALUES (7)');
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM scratch_t');
    expect(Number(row?.n)).toBe(1);
  });
});

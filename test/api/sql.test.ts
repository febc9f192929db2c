import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadOnlySql } from '../../src/api/sql.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.command('CREATE TABLE scratch_t (a UInt8) ENGINE = MergeTree ORDER BY a');
});
afterAll(async () => cleanup());

describe('runReadOnlySql', () => {
  it('answers a SELECT with columns and rows', async () => {
    const r = await runReadOnlySql(store, 'SELECT toUInt8(number) AS n, toString(number) AS s FROM numbers(3);');
    expect(r).toEqual({ columns: ['n', 's'], rows: [{ n: 0, s: '0' }, { n: 1, s: '1' }, { n: 2, s: '2' }], truncated: false });
  });

  it('caps the rows and says so', async () => {
    const r = await runReadOnlySql(store, 'SELECT number FROM numbers(1000000)', { limit: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.truncated).toBe(true);
  });

  it.each([
    ['INSERT', 'INSERT INTO scratch_t VALUES (1)', /Cannot execute query in readonly mode/],
    ['ALTER', 'ALTER TABLE scratch_t ADD COLUMN b UInt8', /Cannot execute query in readonly mode/],
    ['DROP', 'DROP TABLE scratch_t', /Cannot execute query in readonly mode/],
    ['TRUNCATE', 'TRUNCATE TABLE predictions', /Cannot execute query in readonly mode/],
    ['CREATE', 'CREATE TABLE x (a UInt8) ENGINE = Memory', /Cannot execute query in readonly mode/],
    ['readonly=0 in SETTINGS', 'SELECT 1 SETTINGS readonly = 0', /Cannot modify 'readonly' setting in readonly mode/],
    ['lifting the timeout', 'SELECT 1 SETTINGS max_execution_time = 100000', /Cannot modify 'max_execution_time' setting in readonly mode/],
    ['reading local files', "SELECT * FROM file('/etc/passwd', 'LineAsString')", /Cannot execute query in readonly mode/],
  ])('the engine refuses %s', async (_, sql, why) => {
    await expect(runReadOnlySql(store, sql)).rejects.toMatchObject({ code: 'DW_STORE_QUERY', message: expect.stringMatching(why) });
  });

  it('read-only settings do not stick to the store: writes still work afterwards', async () => {
    await runReadOnlySql(store, 'SELECT 1');
    await store.command('INSERT INTO scratch_t VALUES (7)');
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM scratch_t');
    expect(Number(row?.n)).toBe(1);
    await store.command('TRUNCATE TABLE scratch_t');
  });

  it('SET readonly = 0 does not unlock later statements', async () => {
    await expect(runReadOnlySql(store, 'SET readonly = 0')).rejects.toMatchObject({ code: 'DW_STORE_QUERY' });
    await expect(runReadOnlySql(store, 'INSERT INTO scratch_t VALUES (2)')).rejects.toMatchObject({ message: expect.stringMatching(/readonly/i) });
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM scratch_t');
    expect(Number(row?.n)).toBe(0);
  });

  it('a query over the time limit is stopped by the engine', async () => {
    await expect(runReadOnlySql(store, 'SELECT sum(sleepEachRow(0.5)) FROM numbers(10) SETTINGS max_block_size = 1', { timeoutSeconds: 1 })).rejects.toMatchObject({ code: 'DW_STORE_QUERY' });
  });
});

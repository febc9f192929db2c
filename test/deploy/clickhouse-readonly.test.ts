// deploy/clickhouse/readonly-user.sql: every statement parses with the
// engine's own parser, and the user it creates can SELECT exactly the tables
// read-only SQL allows (src/api/sql-policy.ts), nothing more, with no
// password left in the file. (No ClickHouse server runs here; the grants'
// effect on a server is ClickHouse's own documented behaviour.)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_SYSTEM_TABLES, SQL_TABLES } from '../../src/api/sql-policy.ts';
import { splitStatements } from '../../src/core/store/migrate.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const text = readFileSync(resolve(ROOT, 'deploy/clickhouse/readonly-user.sql'), 'utf8');
const statements = splitStatements(text);

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => cleanup());

describe('deploy/clickhouse/readonly-user.sql', () => {
  it('every statement parses with the engine\'s parser', async () => {
    expect(statements.length).toBeGreaterThan(5);
    for (const s of statements) {
      const [row] = await store.query<{ f: string }>('SELECT formatQuerySingleLine({q:String}) AS f', { params: { q: s } });
      expect(row?.f, s).toBeTruthy();
    }
  });

  it('grants SELECT on exactly the tables read-only SQL may read, and nothing else', () => {
    const grants = statements.filter((s) => /^GRANT /i.test(s) && / ON /i.test(s));
    for (const g of grants) expect(g).toMatch(/^GRANT SELECT ON [\w.]+ TO driftwatch_sql_reader$/);
    const granted = grants.map((g) => /ON ([\w.]+) TO/.exec(g)![1]).sort();
    const want = [...Object.keys(SQL_TABLES).map((t) => `driftwatch.${t}`), ...Object.keys(SQL_SYSTEM_TABLES)].sort();
    expect(granted).toEqual(want);
  });

  it('the user is read-only, cannot lift its limits, and ships no password', () => {
    expect(text).toMatch(/readonly = 2/);
    expect(text).toMatch(/allow_ddl = 0 CONST/);
    expect(text).toMatch(/max_execution_time = \d+ MAX \d+/);
    expect(text).toMatch(/max_memory_usage = \d+ MAX \d+/);
    expect(text).toMatch(/IDENTIFIED WITH sha256_password BY 'REPLACE_ME'/);
    for (const s of statements) expect(s).not.toMatch(/GRANT ALL|KILL|ON \*\.\*|WITH GRANT OPTION|INSERT|ALTER|CREATE TABLE/i);
  });

  it('the server snippet requires grants on system tables', () => {
    const xml = readFileSync(resolve(ROOT, 'deploy/clickhouse/config.d/readonly-sql.xml'), 'utf8');
    expect(xml).toMatch(/<select_from_system_db_requires_grant>true</);
    expect(xml).toMatch(/<select_from_information_schema_requires_grant>true</);
  });
});

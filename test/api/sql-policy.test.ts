// The lists behind read-only SQL agree with the engine and the schema: the
// function allowlist is exactly the engine's system.functions less the deny
// rules (regenerate with `npx tsx scripts/sql-functions.ts` after a chDB
// upgrade), every table the migrations create is either readable or listed
// as internal, and ordinary retro-analysis SQL still runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadOnlySql } from '../../src/api/sql.ts';
import { engineFunctionLists, renderFunctionsFile } from '../../src/api/sql-functions-gen.ts';
import { SQL_FUNCTIONS, SQL_FUNCTIONS_DENIED } from '../../src/api/sql-functions.ts';
import { functionRefusal } from '../../src/api/sql-guard.ts';
import { SQL_INTERNAL_TABLES, SQL_TABLES } from '../../src/api/sql-policy.ts';
import type { Store } from '../../src/core/store/store.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

describe('the function allowlist', () => {
  it('is the engine\'s system.functions less the deny rules (run scripts/sql-functions.ts when this fails)', async () => {
    const file = readFileSync(resolve(import.meta.dirname, '../../src/api/sql-functions.ts'), 'utf8');
    expect(file).toBe(renderFunctionsFile(await engineFunctionLists(store)));
  });

  it('allows what analysis needs and refuses what reaches past the data', () => {
    for (const f of ['count', 'countIf', 'quantile', 'quantilesTimingIf', 'argMax', 'uniqExactState', 'sumForEach', 'toStartOfHour', 'now64', 'JSONExtractFloat', 'round', 'multiIf', 'lambda', 'exists', 'caseWithExpression', 'COUNT', 'Sum']) {
      expect(functionRefusal(f), f).toBeNull();
    }
    for (const f of ['file', 'FILE', 'getSetting', 'currentUser', 'user', 'hostName', 'dictGet', 'joinGet', 'sleep', 'sleepEachRow', 'url', 's3', 'remote', 'fileIf', 'fileState', '_CAST']) {
      expect(functionRefusal(f), f).not.toBeNull();
    }
    expect(SQL_FUNCTIONS.size).toBeGreaterThan(1000);
    expect(Object.keys(SQL_FUNCTIONS_DENIED)).toContain('file');
  });
});

describe('the table allowlist', () => {
  it('classifies every table in the database the migrations create', async () => {
    const tables = (await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase()')).map((r) => r.name);
    for (const t of tables) expect(t in SQL_TABLES || t in SQL_INTERNAL_TABLES, `${t} is neither in SQL_TABLES nor in SQL_INTERNAL_TABLES (src/api/sql-policy.ts)`).toBe(true);
    for (const t of Object.keys(SQL_TABLES)) expect(tables, `${t} is allowlisted but does not exist`).toContain(t);
  });
});

describe('ordinary analysis still runs', () => {
  it.each([
    'SELECT model, count() AS n FROM predictions GROUP BY model',
    'SELECT count() FROM driftwatch.drift_scores',
    'WITH recent AS (SELECT * FROM drift_scores WHERE run_at > now() - INTERVAL 1 DAY) SELECT count() FROM recent',
    'WITH 0.25 AS t SELECT countIf(value > t) FROM drift_scores',
    'SELECT metric, quantile(0.9)(value), argMax(status, run_at) FROM drift_scores GROUP BY metric',
    'SELECT run_id, row_number() OVER (PARTITION BY metric ORDER BY run_at DESC) AS rn FROM drift_scores QUALIFY rn = 1',
    "SELECT CASE status WHEN 'alert' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END AS sev FROM drift_scores",
    'SELECT arrayMap(x -> x * 2, [1, 2, 3]) AS a, EXISTS (SELECT 1 FROM labels) AS has_labels',
    'SELECT p.event_id FROM predictions AS p LEFT JOIN labels AS l USING (event_id) WHERE l.event_id IS NULL',
    'SELECT event_id FROM predictions WHERE event_id IN (SELECT event_id FROM labels)',
    'SELECT 1 AS a UNION ALL SELECT 2 UNION DISTINCT SELECT 3',
    '(SELECT model FROM predictions) EXCEPT (SELECT model FROM labels)',
    "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'predictions'",
    'SELECT name FROM system.tables WHERE database = currentDatabase()',
    'SELECT dummy FROM system.one',
    'select count() from alert_events;',
    "SELECT JSONExtractFloat(features, 'amount') AS amount FROM predictions LIMIT 5",
    'SELECT * FROM baseline_values LIMIT 1',
  ])('%s', async (q) => {
    const r = await runReadOnlySql(store, q);
    expect(Array.isArray(r.rows)).toBe(true);
  });
});

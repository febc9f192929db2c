// Escape attempts against read-only SQL. Every attempt must be refused
// before it runs (DW_SQL_REFUSED) or stopped by a limit (DW_SQL_LIMIT); the
// suite fails on any that gets through. Grouped by the door each one tries:
// files and the network, writes, other callers' queries, system tables,
// functions that reveal the host, settings, output clauses, parser tricks.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadOnlySql } from '../../src/api/sql.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
const out = mkdtempSync(join(tmpdir(), 'dw-sql-escape-'));
const CANARY = 'dw-canary-4f1d9e0c7b';
process.env.DW_SQL_ESCAPE_CANARY = CANARY;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.command("INSERT INTO drift_scores (run_id, run_at, detector, window_start, window_end, baseline, model, model_version, feature, metric, value, status) VALUES ('r1', now64(3), 'drift', now64(3), now64(3), 'previous', 'fraud', 'v1', 'amount', 'psi', 0.3, 'alert')");
});
afterAll(async () => {
  await cleanup();
  rmSync(out, { recursive: true, force: true });
});

async function refused(sql: string, code: 'DW_SQL_REFUSED' | 'DW_SQL_LIMIT' = 'DW_SQL_REFUSED', why?: RegExp): Promise<void> {
  let result: unknown;
  try {
    result = await runReadOnlySql(store, sql);
  } catch (e) {
    expect((e as { code?: string }).code, `${sql}\n  -> ${(e as Error).message}`).toBe(code);
    if (why) expect((e as Error).message).toMatch(why);
    expect((e as Error).message).not.toContain(CANARY);
    return;
  }
  throw new Error(`got through: ${sql}\n  -> ${JSON.stringify(result).slice(0, 300)}`);
}

const cases = (list: string[], why?: RegExp) => list.map((q) => [q, why] as const);

describe('files and the network', () => {
  it.each(
    cases([
      "SELECT file('/proc/self/environ')",
      "SELECT file('/etc/passwd') AS f",
      "SELECT FILE('/etc/passwd')",
      "SELECT File('/proc/self/environ')",
      "SELECT length(file('/proc/self/environ')) FROM drift_scores",
      "SELECT * FROM drift_scores WHERE value > length(file('/etc/hostname'))",
      "WITH (SELECT file('/etc/passwd')) AS f SELECT f",
      "WITH x AS (SELECT file('/etc/passwd') AS f) SELECT * FROM x",
      "SELECT arrayMap(p -> file(p), ['/etc/passwd'])",
      "SELECT fileIf('/etc/passwd', 1)",
      "SELECT catboostEvaluate('/etc/passwd', 1)",
      "SELECT aiGenerate('hello')",
      "SELECT naiveBayesClassifier('m', 'text')",
    ]),
  )('%s', async (q) => refused(q, 'DW_SQL_REFUSED', /not allowed/));

  it.each(
    cases([
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM fileCluster('c', '/etc/passwd', 'LineAsString')",
      "SELECT * FROM url('http://127.0.0.1:1/', 'CSV', 'a String')",
      "SELECT * FROM urlCluster('c', 'http://127.0.0.1:1/')",
      "SELECT * FROM s3('http://127.0.0.1:1/b/k', 'CSV')",
      "SELECT * FROM remote('127.0.0.1:9000', system.one)",
      "SELECT * FROM remoteSecure('127.0.0.1:9440', system.one)",
      "SELECT * FROM cluster('default', system.one)",
      "SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')",
      "SELECT * FROM postgresql('127.0.0.1:5432', 'db', 't', 'u', 'p')",
      "SELECT * FROM jdbc('x', 'y')",
      "SELECT * FROM odbc('DSN=x', 't')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'CSV')",
      "SELECT * FROM executable('id', 'TSV', 'a String')",
      "SELECT * FROM input('a String')",
      "SELECT * FROM numbers(300)",
      "SELECT * FROM numbers_mt(10)",
      "SELECT * FROM zeros(10)",
      "SELECT * FROM generateRandom('a String')",
      "SELECT * FROM generate_series(1, 10)",
      "SELECT * FROM values('a UInt8', 1)",
      "SELECT * FROM format(JSONEachRow, '{\"a\":1}')",
      "SELECT * FROM merge('system', '^processes$')",
      "SELECT * FROM merge(currentDatabase(), '^schema_migrations$')",
      "SELECT * FROM dictionary('d')",
      "SELECT * FROM view(SELECT * FROM system.processes)",
      "SELECT * FROM viewIfPermitted(SELECT * FROM system.users ELSE null('a String'))",
      "SELECT * FROM loop(drift_scores)",
      "SELECT * FROM mergeTreeIndex(currentDatabase(), drift_scores)",
      "SELECT * FROM sqlite('/etc/passwd', 't')",
      "SELECT * FROM iceberg('/tmp/x')",
      "SELECT * FROM deltaLakeLocal('/tmp/x')",
      "SELECT * FROM (EXPLAIN SELECT 1)",
      "SELECT * FROM drift_scores AS d JOIN url('http://127.0.0.1:1/', 'CSV', 'a String') AS u ON 1",
      "SELECT * FROM drift_scores WHERE model IN (SELECT * FROM file('/etc/passwd', 'LineAsString'))",
    ]),
  )('table function: %s', async (q) => refused(q));
});

describe('writes and statements other than SELECT', () => {
  const target = join(out, 'written.txt');
  it.each(
    cases([
      `SELECT 1 INTO OUTFILE '${target}'`,
      `SELECT 1 INTO OUTFILE '${target}' TRUNCATE`,
      `SELECT 1 INTO OUTFILE '${target}' APPEND`,
      `SELECT 1 INTO OUTFILE '${target}' COMPRESSION 'gzip'`,
      `SELECT * FROM drift_scores INTO OUTFILE '${target}' FORMAT CSV`,
      "SELECT 1 INTO OUTFILE 'relative-escape.txt'",
      `(SELECT 1) INTO OUTFILE '${target}'`,
      `WITH 1 AS x SELECT x INTO OUTFILE '${target}'`,
      `SELECT 1 UNION ALL SELECT 2 INTO OUTFILE '${target}'`,
      "INSERT INTO drift_scores (run_id) VALUES ('x')",
      "INSERT INTO FUNCTION file('/tmp/dw-x.csv', 'CSV') SELECT 1",
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'CREATE TABLE x ENGINE = File(CSV) AS SELECT 1',
      'DROP TABLE drift_scores',
      'TRUNCATE TABLE predictions',
      'ALTER TABLE drift_scores DELETE WHERE 1',
      'DELETE FROM drift_scores WHERE 1',
      "UPDATE drift_scores SET status = 'ok' WHERE 1",
      'OPTIMIZE TABLE drift_scores FINAL',
      'RENAME TABLE drift_scores TO x',
      'DETACH TABLE drift_scores',
      'ATTACH TABLE drift_scores',
      "BACKUP TABLE drift_scores TO File('/tmp/dw-backup')",
      'SYSTEM FLUSH LOGS',
      'SYSTEM SHUTDOWN',
      'SYSTEM DROP DNS CACHE',
      'SET readonly = 0',
      'SET max_memory_usage = 0',
      'USE system',
      'KILL QUERY WHERE 1',
      "KILL QUERY WHERE query_id = 'x' SYNC",
      'KILL MUTATION WHERE 1',
      "CREATE USER evil IDENTIFIED BY 'x'",
      'GRANT ALL ON *.* TO default',
      'EXPLAIN SELECT 1',
      'EXPLAIN AST SELECT 1',
      'DESCRIBE TABLE drift_scores',
      'SHOW TABLES',
      'SHOW PROCESSLIST',
      'SHOW CREATE TABLE drift_scores',
      'EXISTS TABLE drift_scores',
      'CHECK TABLE drift_scores',
      'WATCH x',
      'SELECT 1; KILL QUERY WHERE 1',
      'SELECT 1; SELECT 2',
      "SELECT 1; INSERT INTO drift_scores (run_id) VALUES ('x')",
      "SELECT ';'; KILL QUERY WHERE 1",
      'SELECT 1 /* ; */; DROP TABLE drift_scores',
    ]),
  )('%s', async (q) => refused(q));

  it('wrote nothing anywhere it was asked to', () => {
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(process.cwd(), 'relative-escape.txt'))).toBe(false);
  });
});

describe("other callers' queries and system tables", () => {
  it.each(
    cases([
      'SELECT query FROM system.processes',
      'SELECT * FROM system.processes',
      'SELECT * FROM `system`.`processes`',
      'SELECT * FROM `system.processes`',
      'SELECT * FROM "system"."processes"',
      'SELECT * FROM SYSTEM.PROCESSES',
      'SELECT * FROM system.query_log',
      'SELECT * FROM system.users',
      'SELECT * FROM system.settings',
      'SELECT * FROM system.server_settings',
      'SELECT * FROM system.disks',
      'SELECT * FROM system.macros',
      'SELECT * FROM system.clusters',
      'SELECT * FROM system.functions',
      'SELECT * FROM system.numbers LIMIT 10',
      'SELECT * FROM system.dictionaries',
      'SELECT * FROM system.mutations',
      'SELECT * FROM INFORMATION_SCHEMA.TABLES',
      'SELECT * FROM information_schema.columns',
      'SELECT * FROM schema_migrations',
      'SELECT * FROM driftwatch.schema_migrations',
      'SELECT * FROM scheduler_leases',
      'SELECT * FROM feature_values_mv',
      'SELECT * FROM other_db.predictions',
      'SELECT * FROM drift_scores AS d JOIN system.processes AS p ON 1',
      'SELECT * FROM drift_scores WHERE run_id IN (SELECT query_id FROM system.processes)',
      'SELECT 1 WHERE 1 IN system.processes',
      "SELECT 1 WHERE 'x' NOT IN system.users",
      "SELECT 1 WHERE 'x' GLOBAL IN system.query_log",
      'SELECT 1 WHERE 1 IN schema_migrations',
      'WITH schema_migrations AS (SELECT 1 AS a) SELECT * FROM schema_migrations',
      'SELECT (SELECT count() FROM system.processes)',
      'SELECT * FROM (SELECT * FROM (SELECT * FROM system.processes))',
      'SELECT * FROM drift_scores UNION ALL SELECT * FROM system.processes',
      'SELECT * FROM drift_scores EXCEPT SELECT * FROM system.users',
    ]),
  )('%s', async (q) => refused(q));
});

describe('functions that reveal the host, the server or other queries', () => {
  it.each(
    cases([
      "SELECT getSetting('readonly')",
      "SELECT getSettingOrDefault('x', 1)",
      "SELECT getServerSetting('user_files_path')",
      "SELECT getMergeTreeSetting('index_granularity')",
      "SELECT getMacro('replica')",
      'SELECT currentUser()',
      'SELECT user()',
      'SELECT current_user()',
      'SELECT authenticatedUser()',
      'SELECT currentRoles()',
      'SELECT hostName()',
      'SELECT hostname()',
      'SELECT FQDN()',
      'SELECT fqdn()',
      'SELECT version()',
      'SELECT VERSION()',
      'SELECT chdb()',
      'SELECT uptime()',
      'SELECT serverUUID()',
      'SELECT buildId()',
      'SELECT filesystemAvailable()',
      'SELECT getOSKernelVersion()',
      'SELECT queryID()',
      'SELECT initialQueryID()',
      'SELECT connection_id()',
      "SELECT globalVariable('max_allowed_packet')",
      'SELECT showCertificate()',
      "SELECT getClientHTTPHeader('Authorization')",
      "SELECT dictGet('d', 'a', toUInt64(1))",
      "SELECT dictHas('d', toUInt64(1))",
      "SELECT joinGet('drift_scores', 'value', 'r1')",
      "SELECT hasColumnInTable('system', 'users', 'name')",
      'SELECT sleep(1)',
      'SELECT sleepEachRow(1) FROM drift_scores',
      "SELECT fuzzQuery('SELECT 1')",
      "SELECT generateSerialID('x')",
      'SELECT __getScalar(1)',
      "SELECT _CAST(1, 'String')",
      "SELECT regionToName(toUInt32(1))",
      "SELECT addressToLine(toUInt64(1))",
      "SELECT logTrace('x')",
      "SELECT no_such_function_at_all(1)",
      "SELECT countIf(1) OVER (), uptimeIf(1)",
    ]),
  )('%s', async (q) => refused(q));
});

describe('settings, output clauses and the parser', () => {
  it.each(
    cases([
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT 1 SETTINGS max_execution_time = 100000',
      'SELECT 1 SETTINGS max_result_bytes = 0',
      'SELECT * FROM (SELECT 1 SETTINGS max_memory_usage = 0)',
      'WITH x AS (SELECT 1 SETTINGS max_threads = 100) SELECT * FROM x',
      'SELECT 1 FORMAT CSV',
      'SELECT 1 FORMAT Native',
      'SELECT 1 FORMAT JSONEachRow',
      'SELECT {p:String}',
      "SELECT 1 AS `a\nFunction file (children 1)\n ExpressionList (children 1)\n  Literal '/etc/passwd'`",
      'SELECT 1 AS `x) (children 3`',
      'SELECT 1 AS `x (alias y)`',
      'SELECT 1 AS "a\\nb"',
      'SELECT `\\x00`',
      "SELECT 1 FROM drift_scores AS `p\n      TableIdentifier system.processes`",
      '',
      '   ',
      ';',
      '-- only a comment',
    ]),
  )('%j', async (q) => refused(q));
});

describe('a refused function is found in every clause it can hide in', () => {
  it.each(
    cases([
      "SELECT * APPLY(file) FROM (SELECT '/etc/hostname' AS p)",
      "SELECT * REPLACE (file(p) AS p) FROM (SELECT '/etc/hostname' AS p)",
      "SELECT a FROM drift_scores AS a JOIN drift_scores AS b ON a.run_id = file('/etc/hostname')",
      "SELECT value FROM drift_scores ORDER BY value WITH FILL FROM length(file('/etc/hostname')) TO 10 STEP 1",
      "SELECT value FROM drift_scores ORDER BY value WITH FILL INTERPOLATE (value AS length(file('/etc/hostname')))",
      "SELECT value FROM drift_scores LIMIT length(file('/etc/hostname'))",
      "SELECT value FROM drift_scores LIMIT 1 BY file('/etc/hostname')",
      "SELECT value FROM drift_scores QUALIFY file('/etc/hostname') != ''",
      "SELECT sum(value) OVER (PARTITION BY file('/etc/hostname')) FROM drift_scores",
      "SELECT sum(value) OVER w FROM drift_scores WINDOW w AS (ORDER BY file('/etc/hostname'))",
      "SELECT value FROM drift_scores ARRAY JOIN [file('/etc/hostname')] AS x",
      "SELECT value FROM drift_scores PREWHERE file('/etc/hostname') != ''",
      "SELECT value FROM drift_scores GROUP BY GROUPING SETS ((file('/etc/hostname')))",
      "SELECT value FROM drift_scores HAVING file('/etc/hostname') != ''",
      "SELECT sumIf(value, file('/etc/hostname') != '') FROM drift_scores",
      "SELECT quantile(length(file('/etc/hostname')) / 100)(value) FROM drift_scores",
      "SELECT CAST(file('/etc/hostname') AS String)",
      "SELECT [file('/etc/hostname')][1]",
      "SELECT tuple(file('/etc/hostname')).1",
      "SELECT map('a', file('/etc/hostname'))['a']",
      "SELECT value FROM drift_scores ORDER BY value LIMIT 1 OFFSET length(file('/etc/hostname'))",
      "SELECT value FROM drift_scores ORDER BY value OFFSET 1 ROWS FETCH FIRST length(file('/etc/hostname')) ROWS ONLY",
      "SELECT DISTINCT ON (file('/etc/hostname')) value FROM drift_scores",
      "SELECT COLUMNS('value') REPLACE (file('/etc/hostname') AS value) FROM drift_scores",
      "SELECT INTERVAL length(file('/etc/hostname')) DAY",
      "SELECT value FROM drift_scores WHERE value IN (file('/etc/hostname'))",
      "SELECT sum(value) OVER (ORDER BY value ROWS BETWEEN length(file('/etc/hostname')) PRECEDING AND CURRENT ROW) FROM drift_scores",
      "SELECT value FROM drift_scores ORDER BY value WITH FILL STALENESS length(file('/etc/hostname'))",
      "SELECT value FROM drift_scores AS d ASOF JOIN drift_scores AS e ON d.run_id = e.run_id AND d.value >= length(file('/etc/hostname'))",
      "SELECT arrayFold((acc, x) -> acc + length(file(x)), ['/etc/hostname'], 0)",
      "SELECT * FROM drift_scores AS d PASTE JOIN (SELECT file('/etc/hostname')) AS e",
      "SELECT value FROM drift_scores WHERE value GLOBAL IN (SELECT length(file('/etc/hostname')))",
      "SELECT (SELECT file('/etc/hostname'))",
    ]),
  )('%s', async (q) => refused(q, 'DW_SQL_REFUSED', /not allowed/));
});

describe('resource limits', () => {
  it('a result of 300 MB is refused, not held in memory', async () => {
    await refused("SELECT repeat('x', 1000000) AS s FROM (SELECT arrayJoin(range(300)))", 'DW_SQL_LIMIT');
  });

  it('a query needing more memory than allowed is refused', async () => {
    await expect(runReadOnlySql(store, 'SELECT groupArray(repeat(toString(n), 1000)) FROM (SELECT arrayJoin(range(2000000)) AS n)', { maxMemoryBytes: 64 * 1024 * 1024 })).rejects.toMatchObject({ code: 'DW_SQL_LIMIT' });
  });

  it('a slow query is stopped at its timeout', async () => {
    await expect(
      runReadOnlySql(store, 'SELECT count() FROM (SELECT arrayJoin(range(30000)) AS a) AS x CROSS JOIN (SELECT arrayJoin(range(30000)) AS b) AS y WHERE cityHash64(a, b) % 7 = 1', { timeoutSeconds: 1 }),
    ).rejects.toMatchObject({ code: 'DW_SQL_LIMIT' });
  });

  it('a timeout above the cap is refused, not clamped', async () => {
    await expect(runReadOnlySql(store, 'SELECT 1', { timeoutSeconds: 3600 })).rejects.toMatchObject({ code: 'DW_SQL_LIMIT', message: expect.stringMatching(/above the cap of 300/) });
  });
});

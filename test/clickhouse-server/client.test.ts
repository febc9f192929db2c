// @clickhouse/client (the client driftwatch uses) against the test ClickHouse
// server in its own process: formats, bound parameters, per-query settings
// that do not leak, insert deduplication tokens, errors with the engine's
// codes, readonly, compression, sessions, two clients at once, and a
// shutdown that lets a running query finish.
import { Readable } from 'node:stream';
import { ClickHouseError, ClickHouseLogLevel, createClient as createClientLoud, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServerProcess } from './process.ts';

let srv: ClickHouseServerProcess;
let client: ClickHouseClient;

// The errors these tests provoke on purpose are not worth the client's ERROR log lines.
const createClient = (config: Parameters<typeof createClientLoud>[0]) => createClientLoud({ log: { level: ClickHouseLogLevel.OFF }, ...config });

beforeAll(async () => {
  srv = await startClickHouseServer();
  client = createClient({ url: srv.url });
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS t1' });
});
afterAll(async () => {
  await client?.close();
  await srv?.stop();
});

const rows = async <T>(query: string, extra: Record<string, unknown> = {}, c = client): Promise<T[]> => (await c.query({ query, format: 'JSONEachRow', ...extra })).json<T>();
const errorOf = async (p: Promise<unknown>): Promise<ClickHouseError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClickHouseError);
  return e as ClickHouseError;
};

describe('the test ClickHouse server', () => {
  it('answers /ping, client.ping(), and 404 elsewhere', async () => {
    expect(await (await fetch(`${srv.url}/ping`)).text()).toBe('Ok.\n');
    expect((await client.ping()).success).toBe(true);
    expect((await createClient({ url: srv.url }).ping({ select: true })).success).toBe(true);
    expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
  });

  it('returns the formats the client asks for', async () => {
    const sql = "SELECT number AS n, toString(number) AS s FROM numbers(3)";
    expect(await rows(sql)).toEqual([{ n: 0, s: '0' }, { n: 1, s: '1' }, { n: 2, s: '2' }]);
    const json = await (await client.query({ query: sql, format: 'JSON' })).json<{ n: number; s: string }>();
    expect(json).toMatchObject({ meta: [{ name: 'n', type: 'UInt64' }, { name: 's', type: 'String' }], rows: 3, data: [{ n: 0 }, { n: 1 }, { n: 2 }] });
    expect(await (await client.query({ query: sql, format: 'JSONCompactEachRow' })).json()).toEqual([[0, '0'], [1, '1'], [2, '2']]);
    expect(await (await client.query({ query: sql, format: 'CSVWithNames' })).text()).toBe('"n","s"\n0,"0"\n1,"1"\n2,"2"\n');
    expect(await (await client.query({ query: sql, format: 'TabSeparatedWithNames' })).text()).toBe('n\ts\n0\t0\n1\t1\n2\t2\n');
    // RowBinary: bytes as the engine writes them (UInt32 7 little-endian, then a length-prefixed string with a NUL).
    const r = await client.exec({ query: "SELECT toUInt32(7) AS a, 'hi\\0there' AS s FORMAT RowBinary" });
    const chunks: Buffer[] = [];
    for await (const c of r.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([7, 0, 0, 0, 8, 0x68, 0x69, 0, 0x74, 0x68, 0x65, 0x72, 0x65]));
    // No FORMAT: TabSeparated, named in X-ClickHouse-Format.
    const plain = await fetch(`${srv.url}/?query=${encodeURIComponent('SELECT 1, 2')}`);
    expect(await plain.text()).toBe('1\t2\n');
    expect(plain.headers.get('x-clickhouse-format')).toBe('TabSeparated');
  });

  it('binds parameters of several types through the engine, never into the SQL', async () => {
    const tricky = "it's a \\ back'slash\twith\ttabs\nnewline 'quoted' ünïcödé 🙂 {x:String} ; DROP TABLE x";
    const at = new Date('2026-03-04T05:06:07.089Z');
    const [row] = await rows<Record<string, unknown>>(
      `SELECT {s:String} AS s, toString({i:Int64}) AS i, toString({u:UInt64}) AS u, {d:DateTime64(3, 'UTC')} AS d, {a:Array(String)} AS a,
              {n:Nullable(String)} AS n, {f:Float64} AS f, {b:Bool} AS b, {m:Map(String, Int32)} AS m`,
      { query_params: { s: tricky, i: -9223372036854775808n, u: 18446744073709551615n, d: at, a: ["o'k", 'x,y', '[z]', 'ü'], n: null, f: 0.1, b: true, m: { "k'1": 1, k2: -2 } } },
    );
    expect(row).toEqual({ s: tricky, i: '-9223372036854775808', u: '18446744073709551615', d: '2026-03-04 05:06:07.089', a: ["o'k", 'x,y', '[z]', 'ü'], n: null, f: 0.1, b: true, m: { "k'1": 1, k2: -2 } });
    // A value is data, never SQL: a parameter holding SQL stays a string.
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS t1.victim (a UInt8) ENGINE = Memory' });
    expect(await rows('SELECT {s:String} AS s', { query_params: { s: "'; DROP TABLE t1.victim; --" } })).toEqual([{ s: "'; DROP TABLE t1.victim; --" }]);
    expect(await rows("SELECT count() AS c FROM system.tables WHERE database = 't1' AND name = 'victim'")).toEqual([{ c: 1 }]);
    // A type mismatch is the engine's error, with its code.
    const e = await errorOf(rows('SELECT {i:Int32} AS i', { query_params: { i: 'abc' } }));
    expect(Number(e.code)).toBeGreaterThan(0);
  });

  it('takes long parameters in the URL (up to 1 MiB, as a server) and in a multipart body', async () => {
    const long = 'x'.repeat(200_000) + "'end";
    const sql = 'SELECT length({s:String}) AS n, right({s:String}, 4) AS tail';
    expect(await rows<{ n: number; tail: string }>(sql, { query_params: { s: long } })).toEqual([{ n: 200_004, tail: "'end" }]);
    const big = createClient({ url: srv.url, use_multipart_params: true });
    try {
      expect(await rows<{ n: number; tail: string }>(sql, { query_params: { s: long } }, big)).toEqual([{ n: 200_004, tail: "'end" }]);
    } finally {
      await big.close();
    }
  });

  it('applies settings to their own query only', async () => {
    const setting = (name: string, extra: Record<string, unknown> = {}) => rows<{ v: string }>(`SELECT toString(getSetting('${name}')) AS v`, extra).then((r) => r[0]?.v);
    const base = await setting('max_threads');
    expect(await setting('max_threads', { clickhouse_settings: { max_threads: 1 } })).toBe('1');
    expect(await setting('max_threads')).toBe(base);
    expect(await setting('max_threads', { clickhouse_settings: { max_threads: 1 } })).toBe('1'); // a reused connection
    expect(await setting('max_threads')).toBe(base);
    // A SET sent as a statement does not outlive its request either.
    await client.command({ query: 'SET max_threads = 1' });
    expect(await setting('max_threads')).toBe(base);
    // Result limits of one query do not cut the next.
    const limited = await rows('SELECT number FROM numbers(10)', { clickhouse_settings: { max_result_rows: '3', result_overflow_mode: 'throw' } }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ClickHouseError);
    expect(await rows('SELECT number FROM numbers(10)')).toHaveLength(10);
    // Unknown settings are refused, as a server does.
    expect((await errorOf(rows('SELECT 1', { clickhouse_settings: { no_such_setting_here: 1 } as Record<string, unknown> }))).code).toBe('115');
    // The server profile, not clickhouse-local's: a bare expression is not a query.
    expect((await errorOf(rows('1 + 1'))).code).toBe('62');
  });

  it('refuses writes under readonly=1 and lets the next query write', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS t1.ro (a UInt32) ENGINE = MergeTree ORDER BY a' });
    const e = await errorOf(client.command({ query: 'INSERT INTO t1.ro VALUES (1)', clickhouse_settings: { readonly: '1' } }));
    expect(e).toMatchObject({ code: '164', type: 'READONLY' });
    // readonly goes last, so it does not forbid the other settings of its own request...
    expect(await rows('SELECT 1 AS x', { clickhouse_settings: { readonly: '1', max_threads: 1 } })).toEqual([{ x: 1 }]);
    // ...but it forbids a query's own SETTINGS.
    expect((await errorOf(rows('SELECT 1 SETTINGS max_result_rows = 7', { clickhouse_settings: { readonly: '1' } }))).code).toBe('164');
    expect(await rows('SELECT count() AS c FROM t1.ro', { clickhouse_settings: { readonly: '1', max_result_rows: '10', max_execution_time: 5 } })).toEqual([{ c: 0 }]);
    await client.command({ query: 'INSERT INTO t1.ro VALUES (1)' });
    expect(await rows('SELECT count() AS c FROM t1.ro')).toEqual([{ c: 1 }]);
  });

  it('stops a query at max_execution_time with TIMEOUT_EXCEEDED', async () => {
    const e = await errorOf(rows('SELECT count() FROM numbers(100000000000)', { clickhouse_settings: { max_execution_time: 1 } }));
    expect(e).toMatchObject({ code: '159', type: 'TIMEOUT_EXCEEDED' });
  });

  it('deduplicates a second insert with the same token, as a server does', async () => {
    await client.command({ query: 'CREATE TABLE t1.dedup (id UInt32, v String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100' });
    const ins = (values: object[], token?: string) =>
      client.insert({ table: 't1.dedup', values, format: 'JSONEachRow', clickhouse_settings: token ? { insert_deduplication_token: token } : {} });
    const first = await ins([{ id: 1, v: 'a' }, { id: 2, v: 'b' }], 'tok-1');
    expect(first.summary).toMatchObject({ written_rows: '2' });
    await ins([{ id: 1, v: 'a' }, { id: 2, v: 'b' }], 'tok-1'); // retried with the same token: a no-op
    await ins([{ id: 3, v: 'c' }], 'tok-1'); // other data, same token: a no-op too
    await ins([{ id: 1, v: 'a' }, { id: 2, v: 'b' }], 'tok-2'); // same data, another token: stored
    await ins([{ id: 9, v: 'z' }]); // no token
    expect(await rows('SELECT id, count() AS c FROM t1.dedup GROUP BY id ORDER BY id')).toEqual([{ id: 1, c: 2 }, { id: 2, c: 2 }, { id: 9, c: 1 }]);
    // The token belongs to its insert: a later insert without one is stored.
    await ins([{ id: 10, v: 'y' }]);
    expect(await rows('SELECT count() AS c FROM t1.dedup WHERE id = 10')).toEqual([{ c: 1 }]);
  });

  it('takes raw JSONEachRow, CSVWithNames and TSVWithNames bodies, as driftwatch sends them', async () => {
    await client.command({ query: "CREATE TABLE t1.raw (id UInt32, s String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id" });
    const put = async (format: string, body: string, settings: Record<string, string> = {}) => {
      const r = await client.exec({ query: `INSERT INTO t1.raw FORMAT ${format}`, values: Readable.from([Buffer.from(body)]), clickhouse_settings: settings });
      r.stream.resume();
      await new Promise((res) => r.stream.once('end', res));
      return r.summary;
    };
    expect(await put('JSONEachRow', '{"id":1,"s":"a","at":"2026-01-02T03:04:05.678Z","extra":1}\n', { input_format_skip_unknown_fields: '1', date_time_input_format: 'best_effort' })).toMatchObject({ written_rows: '1' });
    await put('CSVWithNames', 'id,s,at\n2,"b,c",2026-01-02 03:04:05.000\n');
    await put('TSVWithNames', 'id\ts\tat\n3\td\\te\t2026-01-02 03:04:05.000\n');
    expect(await rows('SELECT id, s, toString(at) AS at FROM t1.raw ORDER BY id')).toEqual([
      { id: 1, s: 'a', at: '2026-01-02 03:04:05.678' },
      { id: 2, s: 'b,c', at: '2026-01-02 03:04:05.000' },
      { id: 3, s: 'd\te', at: '2026-01-02 03:04:05.000' },
    ]);
    // The client's own insert of objects, into a table in the client's database.
    const inDb = createClient({ url: srv.url, database: 't1' });
    try {
      await inDb.insert({ table: 'raw', values: [{ id: 4, s: 'f', at: '2026-01-02 03:04:05.000' }], format: 'JSONEachRow' });
      expect(await rows<{ c: number }>('SELECT count() AS c FROM raw', {}, inDb)).toEqual([{ c: 4 }]);
    } finally {
      await inDb.close();
    }
    const bad = await errorOf(put('JSONEachRow', '{"id":"not a number"}\n'));
    expect(bad.type).toMatch(/CANNOT_PARSE|INCORRECT_DATA/);
  });

  it('reports errors with the engine code, type and query id', async () => {
    const unknown = await errorOf(rows('SELECT * FROM t1.no_such_table'));
    expect(unknown).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    expect((await errorOf(rows('SELEC 1'))).code).toBe('62');
    expect((await errorOf(client.command({ query: 'SELECT 1; SELECT 2' }))).message).toContain('Multi-statements are not allowed');
    expect((await errorOf(client.command({ query: 'CREATE TABLE t1.ro (a UInt8) ENGINE = Memory' }))).code).toBe('57');
    const r = await fetch(`${srv.url}/?query_id=my-id`, { method: 'POST', body: 'SELECT * FROM nope' });
    expect(r.status).toBe(404);
    expect(r.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(r.headers.get('x-clickhouse-query-id')).toBe('my-id');
    expect(await r.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [\d.]+\)\n$/);
  });

  it('echoes query ids and sends a summary', async () => {
    const rs = await client.query({ query: 'SELECT number FROM numbers(5)', format: 'JSONEachRow', query_id: 'q-echo-1' });
    expect(rs.query_id).toBe('q-echo-1');
    expect(rs.response_headers['x-clickhouse-query-id']).toBe('q-echo-1');
    expect(JSON.parse(String(rs.response_headers['x-clickhouse-summary']))).toMatchObject({ result_rows: '5' });
    await rs.json();
    const cmd = await client.command({ query: 'SELECT 1' });
    expect(cmd.summary).toHaveProperty('elapsed_ns');
  });

  it('reads gzip request bodies and sends gzip answers when asked', async () => {
    const gz = createClient({ url: srv.url, compression: { request: true, response: true } });
    try {
      await gz.command({ query: 'CREATE TABLE t1.gz (id UInt32, s String) ENGINE = MergeTree ORDER BY id' });
      await gz.insert({ table: 't1.gz', values: Array.from({ length: 1000 }, (_, i) => ({ id: i, s: `row ${i}` })), format: 'JSONEachRow' });
      const rs = await gz.query({ query: 'SELECT count() AS c, sum(id) AS s FROM t1.gz', format: 'JSONEachRow' });
      expect(rs.response_headers['content-encoding']).toBe('gzip');
      expect(await rs.json()).toEqual([{ c: 1000, s: 499500 }]);
      expect((await errorOf(rows('SELECT * FROM t1.nope_gz', {}, gz))).code).toBe('60');
    } finally {
      await gz.close();
    }
  });

  it('keeps a named session between requests, locked to one request at a time', async () => {
    const q = (sql: string, session_id: string) => client.query({ query: sql, format: 'JSONEachRow', session_id }).then((r) => r.json<Record<string, unknown>>());
    await client.command({ query: 'SET max_threads = 3', session_id: 's-1' });
    await client.command({ query: 'CREATE TEMPORARY TABLE tmp (a UInt8)', session_id: 's-1' });
    expect(await q("SELECT getSetting('max_threads') AS v, (SELECT count() FROM tmp) AS c", 's-1')).toEqual([{ v: 3, c: 0 }]);
    expect(await q("SELECT toString(getSetting('max_threads')) AS v", 's-2')).not.toEqual([{ v: '3' }]);
    expect(await q("SELECT toString(getSetting('max_threads')) AS v", 's-1')).toEqual([{ v: '3' }]);
    const slow = q('SELECT sleep(1) AS z', 's-1');
    await new Promise((r) => setTimeout(r, 300));
    expect((await errorOf(q('SELECT 1', 's-1'))).code).toBe('373');
    await slow;
  });

  it('serves two clients at once: parameterized reads and inserts interleaved', async () => {
    await client.command({ query: 'CREATE TABLE t1.both (who String, n UInt32) ENGINE = MergeTree ORDER BY (who, n)' });
    const a = createClient({ url: srv.url });
    const b = createClient({ url: srv.url, max_open_connections: 4 });
    try {
      const work = (c: ClickHouseClient, who: string) =>
        Promise.all(
          Array.from({ length: 25 }, async (_, i) => {
            await c.insert({ table: 't1.both', values: [{ who, n: i }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: `${who}-${i}` } });
            const [r] = await rows<{ who: string; n: number }>('SELECT {who:String} AS who, {n:UInt32} AS n', { query_params: { who, n: i } }, c);
            expect(r).toEqual({ who, n: i });
          }),
        );
      await Promise.all([work(a, 'a'), work(b, 'b')]);
      expect(await rows("SELECT who, count() AS c, uniqExact(n) AS u FROM t1.both GROUP BY who ORDER BY who")).toEqual([{ who: 'a', c: 25, u: 25 }, { who: 'b', c: 25, u: 25 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets a running query finish on SIGTERM, then exits 0', async () => {
    const other = await startClickHouseServer();
    const c = createClient({ url: other.url });
    try {
      const running = rows<{ z: number }>('SELECT sleep(1.5) AS z, 1 AS one', {}, c);
      await new Promise((r) => setTimeout(r, 400));
      const stopped = other.stop();
      expect(await running).toEqual([{ z: 0, one: 1 }]);
      expect(await stopped).toEqual({ code: 0, signal: null });
    } finally {
      await c.close();
      await other.stop();
    }
  }, 180_000);
});

describe('the test ClickHouse server with a password', () => {
  let locked: ClickHouseServerProcess;
  beforeAll(async () => {
    locked = await startClickHouseServer({ user: 'dw', password: 's3cret' });
  });
  afterAll(async () => {
    await locked?.stop();
  });

  it('refuses wrong credentials with AUTHENTICATION_FAILED and takes Basic auth and X-ClickHouse headers', async () => {
    const wrong = createClient({ url: locked.url, username: 'dw', password: 'nope' });
    const right = createClient({ url: locked.url, username: 'dw', password: 's3cret' });
    try {
      expect(await errorOf(rows('SELECT 1', {}, wrong))).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      expect(await rows('SELECT 1 AS x', {}, right)).toEqual([{ x: 1 }]);
      const viaHeaders = await fetch(`${locked.url}/?query=SELECT+2`, { headers: { 'X-ClickHouse-User': 'dw', 'X-ClickHouse-Key': 's3cret' } });
      expect(await viaHeaders.text()).toBe('2\n');
      expect((await fetch(`${locked.url}/?query=SELECT+2`)).status).toBe(403);
    } finally {
      await wrong.close();
      await right.close();
    }
  });
});

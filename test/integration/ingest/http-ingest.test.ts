// HTTP ingest without Kafka (the demo's path): NDJSON, JSON arrays and Arrow
// through the same validation and buffer into the real engine; 400 with
// per-event errors (nothing stored), 413 above the body limit, 503 with
// Retry-After while the buffer is full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../src/http/server.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { openTestStore } from '../../helpers/store.ts';
import { arrowPredictions } from '../../../testkit/arrow-events.ts';
import { faultInjecting } from '../../ingest/faulty-store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { eventually } from './daemon.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

describe('HTTP ingest', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness;
  let server: HttpServer;
  let base: string;
  let switches: ReturnType<typeof faultInjecting>['switches'];

  beforeAll(async () => {
    opened = await openTestStore();
    const faulty = faultInjecting(opened.store);
    switches = faulty.switches;
    // ttl_days 0: the fixed testkit dates must not age out of the retention window.
    harness = await startIngest({ store: faulty.store, ingest: { flush_interval: '50ms', max_buffered_rows: 1_000, max_http_body_bytes: 200_000, insert_retry_max: '200ms' }, clickhouse: { ttl_days: 0 } });
    server = new HttpServer({ host: '127.0.0.1', port: 0, router: harness.router, registry: harness.registry, logger: silentLogger, readiness: () => ({ ready: true, checks: {} }) });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.stop();
    await harness.stop();
    await opened.cleanup();
  });

  const post = async (path: string, body: string | Uint8Array, contentType?: string) => {
    const r = await fetch(base + path, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
    return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
  };
  const count = (sql: string) => countRows(opened.store, sql);

  it('stores NDJSON, a JSON array and Arrow, and answers only once stored', async () => {
    const ndjson = Array.from({ length: 50 }, (_, i) => JSON.stringify(predictionEvent(i, { prefix: 'nd' }))).join('\n') + '\n';
    expect(await post('/v1/predictions', ndjson, 'application/x-ndjson')).toMatchObject({ status: 200, body: { accepted: 50, stored: true } });
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'nd-') AND source = 'http' AND kafka_partition = -1")).toBe(50);

    const array = JSON.stringify(Array.from({ length: 20 }, (_, i) => predictionEvent(i, { prefix: 'arr', epochMs: true })));
    expect(await post('/v1/predictions', array, 'application/json')).toMatchObject({ status: 200, body: { accepted: 20 } });
    expect((await post('/v1/predictions', arrowPredictions(0, 30, { prefix: 'arrow' }), 'application/vnd.apache.arrow.stream')).status).toBe(200);
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'arrow-')")).toBe(30);
    expect(await count("SELECT count() AS c FROM feature_values WHERE startsWith(event_id, 'arrow-')")).toBe(30 * 20);

    const labels = JSON.stringify([{ event_id: 'nd-1', model: 'fraud', label: 1, ts: '2026-11-25T00:00:00Z' }]);
    expect((await post('/v1/labels', labels)).status).toBe(200);
    expect(await count("SELECT count() AS c FROM labels l JOIN predictions p ON p.event_id = l.event_id WHERE l.event_id = 'nd-1'")).toBe(1);
  });

  it('answers 400 with per-event errors and stores nothing of the request', async () => {
    const lines = [JSON.stringify(predictionEvent(1, { prefix: 'mixed' })), '{"event_id":"x","model":"m"}', 'not json', JSON.stringify({ ...predictionEvent(2, { prefix: 'mixed' }), features: { a: [1] } })];
    const r = await post('/v1/predictions', lines.join('\n'), 'application/x-ndjson');
    expect(r.status).toBe(400);
    // RFC 9457 problem details: the per-event list and counts are members of the problem.
    const details = r.body as { errors: Array<Record<string, unknown>>; invalid: number; total: number };
    expect(details).toMatchObject({ code: 'DW_INGEST_INVALID_EVENT', status: 400, invalid: 3, total: 4 });
    expect(details.errors).toEqual([
      expect.objectContaining({ index: 1, event_id: 'x', reason: 'missing_field', code: 'DW_INGEST_INVALID_EVENT' }),
      expect.objectContaining({ index: 2, reason: 'invalid_json' }),
      expect.objectContaining({ index: 3, event_id: 'mixed-2', reason: 'wrong_type' }),
    ]);
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'mixed-')")).toBe(0);
    expect((await post('/v1/predictions', '{"oops"', 'application/json')).body).toMatchObject({ reason: 'invalid_json' });
  });

  it('stores an event sent as it came (one line) and the same event re-encoded (spanning lines) alike', async () => {
    // One-line objects go to the engine byte for byte; an array element
    // written over several lines is re-encoded. Both must store the same row.
    const text = (id: string, prediction: string): string =>
      `{"event_id":"${id}", "model":"fraud","model_version":"v2","ts":"2026-11-25T01:02:03.5+01:00","prediction":${prediction},"confidence":0.250,` +
      `"probabilities":{"1":0.25,"0":0.75},"latency_ms":12,"error":"","tags":{"region":"eu\\u002dwest"},"unknown_key":[1,{"x":2}],` +
      `"features":{"amount":1.50,"city":"Z\\u00fcrich","flag":true,"gone":null,"neg_zero":-0.0,"big":1e300,"q":"a \\"quoted\\" {x}"}}`;
    const body = [text('same-line', '1.5'), text('same-odd', '1.50')].join('\n') + '\n';
    expect((await post('/v1/predictions', body, 'application/x-ndjson')).status).toBe(200);
    expect((await post('/v1/predictions', `[\n${text('same-span', '1.5').replace(/,"/g, ',\n  "')}\n]`, 'application/json')).status).toBe(200);
    // value_num + 0.: -0.0 keeps its sign as written, and every statistic folds it into 0.
    const rows = await opened.store.query<Record<string, unknown>>(
      `SELECT event_id, ts, model, model_version, prediction, prediction_num, confidence, probabilities, latency_ms, error, tags, source, kafka_partition, fv
       FROM predictions AS p
       JOIN (SELECT event_id, arraySort(groupArray((feature, kind, value_num + 0., value_str))) AS fv FROM feature_values GROUP BY event_id) AS f USING event_id
       WHERE event_id IN ('same-line', 'same-odd', 'same-span') ORDER BY event_id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(['same-line', 'same-odd', 'same-span']);
    const [line, odd, span] = rows.map(({ event_id: _, ...rest }) => rest);
    expect(line).toEqual(span);
    // A prediction not written as re-encoding writes it (1.50) is re-encoded: the stored text does not depend on the path.
    expect(odd).toEqual(span);
    expect(line).toMatchObject({ prediction: '1.5', prediction_num: 1.5, confidence: 0.25, tags: { region: 'eu-west' }, source: 'http', kafka_partition: -1 });
    expect((line as { fv: unknown[] }).fv).toHaveLength(7);
    // Which path each took shows in the features text: kept as written, or as JSON.stringify writes it.
    const features = await opened.store.query<{ event_id: string; f: string }>(`SELECT event_id, features AS f FROM predictions WHERE event_id IN ('same-line', 'same-span') ORDER BY event_id`);
    expect(features.map((r) => r.f.includes('"amount":1.50'))).toEqual([true, false]);
  });

  it('answers 413 above the body limit', async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => predictionEvent(i, { prefix: 'big' })));
    expect((await post('/v1/predictions', big, 'application/json')).status).toBe(413);
  });

  it('answers 503 with Retry-After while the buffer is full, and takes requests again after', async () => {
    switches.failInserts = true;
    const batch = (p: string) => JSON.stringify(Array.from({ length: 200 }, (_, i) => predictionEvent(i, { prefix: p })));
    // These wait for the store; the buffer fills up behind them.
    const pending = Array.from({ length: 5 }, (_, k) => post('/v1/predictions', batch(`wait${k}`), 'application/json'));
    await eventually('buffer full', async () => harness.ingest.buffer.full, 10_000, 10);
    const refused = await post('/v1/predictions', batch('refused'), 'application/json');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ code: 'DW_INGEST_BUFFER_FULL', status: 503 });
    switches.failInserts = false;
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'wait')")).toBe(1_000);
    expect((await post('/v1/predictions', batch('after'), 'application/json')).status).toBe(200);
  });
});

// A real Prometheus scrapes a real daemon: the series it stores match what
// the daemon stored in ClickHouse, and every metric the Grafana dashboard
// queries exists in /metrics.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../testkit/ports.ts';
import { spawnCli, waitForHttp, type Spawned } from '../../helpers/cli.ts';
import { PROMTOOL_BIN, startPrometheus, type RunningPrometheus } from '../../helpers/prometheus.ts';
import { tempDir } from '../../../testkit/tmp.ts';

let dir: ReturnType<typeof tempDir>;
let daemon: Spawned;
let prom: RunningPrometheus;
let base: string;

beforeAll(async () => {
  dir = tempDir();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const cfg = join(dir.path, 'dw.yaml');
  writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nhttp:\n  port: ${port}\nkafka:\n  enabled: false\ningest:\n  flush_interval: 100ms\n`);
  daemon = spawnCli(['start', '--config', cfg]);
  await waitForHttp(`${base}/readyz`, { status: 200 });
  prom = await startPrometheus([{ job: 'driftwatch', target: `127.0.0.1:${port}` }]);
});

afterAll(async () => {
  await prom?.stop();
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  dir?.remove();
});

async function sql<T>(query: string): Promise<T[]> {
  const r = await fetch(`${base}/v1/sql`, { method: 'POST', body: JSON.stringify({ query }) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { rows: T[] }).rows;
}

describe('Prometheus scrape', () => {
  it('model series in Prometheus match the stored predictions', async () => {
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const version = i % 3 === 0 ? 'v2' : 'v1';
      lines.push(JSON.stringify({ event_id: `p-${i}`, ts: now - i * 10, model: 'fraud', model_version: version, features: { amount: i }, prediction: 'ok', confidence: 0.9, latency_ms: 5 + (i % 20), error: i % 50 === 0 ? 'timeout' : null }));
    }
    const post = await fetch(`${base}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
    expect(post.status, await post.text()).toBeLessThan(300);

    const stored = async () => sql<{ version: string; n: number; errors: number }>("SELECT model_version AS version, count() AS n, countIf(error != '') AS errors FROM predictions WHERE model = 'fraud' GROUP BY version ORDER BY version");
    const deadline = Date.now() + 20_000;
    let rows = await stored();
    while (rows.reduce((a, r) => a + Number(r.n), 0) < 300 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await stored();
    }
    expect(rows.map((r) => [r.version, Number(r.n), Number(r.errors)])).toEqual([
      ['v1', 200, 4],
      ['v2', 100, 2],
    ]);

    let series: Awaited<ReturnType<RunningPrometheus['query']>> = [];
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      series = await prom.query('driftwatch_model_predictions_total{model="fraud"}');
      if (series.reduce((a, s) => a + Number(s.value[1]), 0) === 300) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const byVersion = Object.fromEntries(series.map((s) => [s.metric.version, Number(s.value[1])]));
    expect(byVersion).toEqual({ v1: 200, v2: 100 });
    const errors = await prom.query('driftwatch_model_prediction_errors_total{model="fraud"}');
    expect(Object.fromEntries(errors.map((s) => [s.metric.version, Number(s.value[1])]))).toEqual({ v1: 4, v2: 2 });
    const latency = await prom.query('sum(driftwatch_model_latency_seconds_count{model="fraud"})');
    expect(Number(latency[0]?.value[1])).toBe(300);
    const stored2 = await prom.query('driftwatch_ingest_events_stored_total');
    expect(stored2.reduce((a, s) => a + Number(s.value[1]), 0)).toBeGreaterThanOrEqual(300);
  });

  it('every metric the Grafana dashboard queries exists in /metrics', async () => {
    const dashboard = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../deploy/grafana/dashboards/driftwatch.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query: { query: string } }[] };
    };
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.query.query)];
    const used = new Set<string>();
    for (const e of exprs) for (const m of e.matchAll(/\b(driftwatch_[a-z0-9_]+)/g)) used.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
    expect(used.size).toBeGreaterThan(5);
    const text = await (await fetch(`${base}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const missing = [...used].filter((m) => !exported.has(m));
    expect(missing).toEqual([]);
    // The whole daemon's exposition, not only the parts tested alone, is promtool-clean.
    const check = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

// Metrics that add up: three real daemons on one test ClickHouse server,
// scraped by a real Prometheus. Only the owner of the metrics role exports
// the store-derived model totals, so sum() over the instances equals count()
// in ClickHouse; when that owner is killed another takes the role and counts
// from then on (a counter reset, which increase() and rate() handle).
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.ts';
import { waitUntil } from '../alerts/helpers.ts';
import { block } from '../readme/readme.ts';
import { ingestNow, startCluster, type Cluster, type Daemon } from './daemons.ts';

/** Long enough that a renewal queued behind other queries on the test server (it runs bound queries one at a time) does not lose the role on a loaded machine. */
const LEASE_TTL = '5s';
let cluster: Cluster;
let prom: RunningPrometheus;

beforeAll(async () => {
  cluster = await startCluster('dw_metrics', () => ({ scheduler: { enabled: false } }));
});
afterAll(async () => {
  await prom?.stop();
  await cluster?.close();
});

const promSum = async (q: string): Promise<number | null> => {
  const r = await prom.query(q);
  return r.length === 0 ? null : r.reduce((s, x) => s + Number(x.value[1]), 0);
};

describe('model totals across instances', () => {
  it('sum() over three scraped instances equals count() in ClickHouse, before and after the owner dies', async () => {
    onTestFailed(async () => console.log('role tenures:', await cluster.history()));
    const named = (n: string) => ({ instances: { name: n, lease_ttl: LEASE_TTL } });
    const a = await cluster.start('a', named('a'));
    await waitUntil(async () => (await cluster.owner('metrics'))?.holder === 'a', 20_000, 'a to own the metrics role');
    const b = await cluster.start('b', named('b'));
    const c = await cluster.start('c', named('c'));
    const all: Daemon[] = [a, b, c];
    prom = await startPrometheus(all.map((d) => ({ job: `dw-${d.name}`, target: `127.0.0.1:${d.port}` })));
    for (const d of all) await prom.waitForScrape(`dw-${d.name}`);

    const seq = { n: 0 };
    let sent = 0;
    for (let i = 0; i < 9; i++) sent += await ingestNow(all[i % 3]!, ['m-x', 'm-y'], 50, seq);
    const stored = async (where = '1') => Number((await cluster.query<{ c: string }>(`SELECT count() AS c FROM predictions WHERE ${where}`))[0]?.c);
    expect(await stored()).toBe(sent);

    // Prometheus's sum over every instance reaches the store's count, and stays there.
    await waitUntil(async () => (await promSum('sum(driftwatch_model_predictions_total)')) === sent, 120_000, `sum() over instances = ${sent}`);
    await new Promise((r) => setTimeout(r, 6_000)); // another collection round on every instance: still not counted twice
    expect(await promSum('sum(driftwatch_model_predictions_total)')).toBe(sent);
    const byModel = await prom.query('sum by (model) (driftwatch_model_predictions_total)');
    const perModel = await cluster.query<{ model: string; c: string }>('SELECT model, count() AS c FROM predictions GROUP BY model ORDER BY model');
    expect(Object.fromEntries(byModel.map((s) => [s.metric.model, Number(s.value[1])]))).toEqual(Object.fromEntries(perModel.map((r) => [r.model, Number(r.c)])));
    // Histogram counts add up the same way, and exactly one instance exports anything.
    expect(await promSum('sum(driftwatch_model_latency_seconds_count)')).toBe(sent);
    expect((await prom.query('count by (job) (driftwatch_model_predictions_total)')).map((s) => s.metric.job)).toEqual(['dw-a']);
    expect(await promSum('sum(driftwatch_instance_role{role="metrics"})')).toBe(1);

    // The README's "who owns what" SQL and its PromQL, as written.
    const owners = await cluster.query<{ role: string; holder: string; token: string }>(block('sql', 'Running several instances').text);
    expect(owners.map((o) => [o.role, o.holder, Number(o.token)])).toEqual([
      ['metrics', 'a', 1],
      ['outbox', 'a', 1],
    ]);
    const [roleQuery, totalQuery] = block('promql', 'Running several instances').text.trim().split('\n');
    expect(Object.fromEntries((await prom.query(roleQuery!)).map((s) => [s.metric.role, Number(s.value[1])]))).toEqual({ metrics: 1, outbox: 1, scheduler: 0 }); // no instance here runs the scheduler
    expect((await prom.query(totalQuery!)).length).toBe(2);

    // The owner dies; another takes the role and counts from then on.
    const before = (await cluster.owner('metrics'))!;
    a.spawned.child.kill('SIGKILL');
    await a.spawned.exited;
    await waitUntil(async () => ((await cluster.owner('metrics'))?.token ?? 0) > before.token, 30_000, 'a new metrics owner');
    const owner = (await cluster.owner('metrics'))!.holder;
    await new Promise((r) => setTimeout(r, 3_500)); // past the collector's visibility lag: what follows is all after the takeover
    let after = 0;
    for (let i = 0; i < 4; i++) after += await ingestNow(all[1 + (i % 2)]!, ['m-x'], 40, seq);
    expect(await stored()).toBe(sent + after);
    const live = 'sum(driftwatch_model_predictions_total{job=~"dw-b|dw-c"})';
    await waitUntil(async () => (await promSum(live)) === after, 120_000, `the new owner's total = ${after}`);
    expect((await prom.query('count by (job) (driftwatch_model_predictions_total{job=~"dw-b|dw-c"})')).map((s) => s.metric.job)).toEqual([`dw-${owner}`]);
    expect(await promSum('sum(driftwatch_instance_role{role="metrics",job=~"dw-b|dw-c"})')).toBe(1);
  }, 240_000);
});

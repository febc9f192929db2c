// The trend detector over stored score histories. End to end: 37 days of
// labelled predictions whose accuracy is flat for a week and then loses
// 0.5% a day for 30 days; no day falls from the one before by the quality
// monitor's drop threshold (the monitor itself judges the five steepest
// days ok), while CUSUM over the stored accuracy history flags the
// decline. A flat, noisy twin is not flagged.
// Then synthetic histories: a drift score creeping up, an estimated
// accuracy sinking, Page-Hinkley, a pinned reference, and the filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR_THRESHOLDS } from '../../../detectors/operational/context.ts';
import { qualityMonitor } from '../../../detectors/quality/quality.ts';
import { trendJobSchema } from '../../../detectors/trend/config.ts';
import { runTrend } from '../../../detectors/trend/trend.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { writeScores } from '../../../src/scheduler/run-store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details, generatePredictions, pick } from '../operational/fixtures.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-08-01T00:00:00Z');
const DAYS = 37;
const PER_DAY = 1500;
const day = (d: number) => ({ start: new Date(T0 + d * DAY), end: new Date(T0 + (d + 1) * DAY) });

let store: Store;
let cleanup: () => Promise<void>;
const quality: ScoreRow[] = [];

const u = (salt: string) => `((cityHash64('${salt}', number) % 1000000007) / 1000000007)`;

/** Accuracy 0.9 for 7 days, then 0.9 × 0.995^(day - 6) when declining; the label is a coin flip, the prediction right with that probability. */
async function labelledDays(model: string, declining: boolean): Promise<void> {
  const d = `intDiv(number, ${PER_DAY})`;
  const acc = declining ? `if(${d} < 7, 0.9, 0.9 * pow(0.995, ${d} - 6))` : '0.9';
  const y = `toUInt8(${u(`${model}-y`)} < 0.5)`;
  const yhat = `if(${u(`${model}-c`)} < ${acc}, ${y}, 1 - ${y})`;
  await generatePredictions(store, {
    model,
    version: 'v1',
    start: new Date(T0).toISOString(),
    n: DAYS * PER_DAY,
    stepMs: DAY / PER_DAY,
    eventId: `concat('${model}-', toString(number))`,
    prediction: `toString(${yhat})`,
    predictionNum: `toFloat64(${yhat})`,
    probabilities: `map('1', if(${yhat} = 1, 0.8, 0.2), '0', if(${yhat} = 1, 0.2, 0.8))`,
  });
  await store.command(
    `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT concat('${model}-', toString(number)), '${model}', toString(${y}), toFloat64(${y}),
            fromUnixTimestamp64Milli(toInt64(${T0} + number * ${DAY / PER_DAY} + 3600000), 'UTC'), 'test', '', -1, -1
     FROM numbers(${DAYS * PER_DAY})`,
  );
}

function trendJob(over: Record<string, unknown>) {
  return trendJobSchema.parse({ kind: 'trend', name: 'decay', window: '1d', ...over });
}

function runAt(job: ReturnType<typeof trendJob>, d: number): Promise<ScoreRow[]> {
  return runTrend(store, job, { runId: `t${d}`, runAt: day(d).end, window: day(d), signal: new AbortController().signal, minSamples: 100, logger: silentLogger });
}

/** Each day's accuracy (the quality monitor's definition: share of predictions equal to their label). */
async function dailyAccuracy(model: string): Promise<number[]> {
  const rows = await store.query<{ d: number; acc: number }>(
    `SELECT intDiv(toUnixTimestamp64Milli(p.ts) - ${T0}, ${DAY}) AS d, avg(p.prediction = l.label) AS acc
     FROM predictions AS p INNER JOIN labels AS l USING (event_id) WHERE p.model = {model:String} GROUP BY d ORDER BY d`,
    { params: { model } },
  );
  return rows.map((r) => Number(r.acc));
}

/** A stored accuracy score of one day, as the quality monitor writes it. */
function accuracyRow(model: string, d: number, value: number): ScoreRow {
  const w = day(d);
  return {
    run_id: `h-${model}-${d}`,
    run_at: w.end.toISOString(),
    detector: 'quality',
    window_start: w.start.toISOString(),
    window_end: w.end.toISOString(),
    baseline: 'previous',
    model,
    model_version: 'v1',
    segment: '',
    feature: '',
    metric: 'accuracy',
    value,
    p_value: null,
    threshold: null,
    status: 'ok',
    n_ref: PER_DAY,
    n_cur: PER_DAY,
    details: '',
  };
}

let decayAccuracy: number[] = [];

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await labelledDays('decay', true);
  await labelledDays('flat', false);
  decayAccuracy = await dailyAccuracy('decay');
  const flat = await dailyAccuracy('flat');
  // The quality monitor (against the previous day, its default) on the five
  // days that fell most from the day before: if they pass, every day does
  // (a smaller fall cannot cross its drop threshold).
  const worst = decayAccuracy
    .map((acc, d) => ({ d, fall: d > 0 ? decayAccuracy[d - 1]! - acc : -Infinity }))
    .sort((a, b) => b.fall - a.fall)
    .slice(0, 5);
  for (const { d } of worst) {
    quality.push(
      ...(await qualityMonitor(store, {
        runId: `q${d}`,
        runAt: day(d).end,
        window: day(d),
        baseline: { kind: 'previous' },
        model: 'decay',
        thresholds: { ...DEFAULT_MONITOR_THRESHOLDS },
        minCount: 100,
        labelHorizonMs: 7 * DAY,
      })),
    );
  }
  // The history the scheduler would have stored, one accuracy per day from day 1.
  await writeScores(store, [...decayAccuracy.map((v, d) => accuracyRow('decay', d, v)), ...flat.map((v, d) => accuracyRow('flat', d, v))].filter((r) => r.window_start !== day(0).start.toISOString()));
});
afterAll(async () => cleanup?.());

describe('a slow decline no window flags', () => {
  it('the quality monitor judges the steepest days ok, though accuracy fell by more than 10 points', () => {
    const acc = quality.filter((r) => r.metric === 'accuracy');
    expect(acc).toHaveLength(5);
    expect(acc.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // The stored history holds exactly what the monitor computes.
    for (const r of acc) expect(Math.abs(r.value! - decayAccuracy[(Date.parse(r.window_start) - T0) / DAY]!)).toBeLessThan(1e-12);
    const largestFall = Math.max(...decayAccuracy.slice(1).map((v, i) => decayAccuracy[i]! - v));
    expect(largestFall).toBeLessThan(DEFAULT_MONITOR_THRESHOLDS.qualityDrop);
    expect(decayAccuracy[1]! - decayAccuracy[DAYS - 1]!).toBeGreaterThan(0.1);
  });

  it('CUSUM over the accuracy history flags it within two weeks, and dates the change', async () => {
    const job = trendJob({ metrics: ['accuracy'], detectors: 'quality' });
    const firstAlarm = [];
    for (let d = 8; d < DAYS; d++) {
      const r = pick(await runAt(job, d), 'v1', 'trend_accuracy', '', 'decay');
      if (r.status === 'alert') firstAlarm.push(d);
    }
    expect(firstAlarm.length).toBeGreaterThan(0);
    expect(firstAlarm[0]! - 7).toBeLessThanOrEqual(14);
    const last = pick(await runAt(job, DAYS - 1), 'v1', 'trend_accuracy', '', 'decay');
    const d = details(last);
    expect(last.threshold).toBe(5);
    expect(d).toMatchObject({ source_detector: 'quality', source_metric: 'accuracy', method: 'cusum', direction: 'decrease', points: DAYS - 1 });
    expect(d.slope_per_day as number).toBeLessThan(-0.003);
    expect(Date.parse(d.change_started as string)).toBeLessThanOrEqual(day(12).end.getTime());
  });

  it('the flat, noisy twin is not flagged', async () => {
    const r = pick(await runAt(trendJob({ metrics: ['accuracy'] }), DAYS - 1), 'v1', 'trend_accuracy', '', 'flat');
    expect(r.status).toBe('ok');
    expect(r.value!).toBeLessThan(5);
  });

  it('Page-Hinkley flags it too', async () => {
    const r = pick(await runAt(trendJob({ metrics: ['accuracy'], method: 'page_hinkley' }), DAYS - 1), 'v1', 'trend_accuracy', '', 'decay');
    expect(r.status).toBe('alert');
  });
});

describe('any score history', () => {
  const S0 = Date.parse('2026-06-01T00:00:00Z');
  const point = (metric: string, feature: string, d: number, value: number, detector = 'drift'): ScoreRow => ({
    run_id: `s-${metric}-${feature}-${d}`,
    run_at: new Date(S0 + (d + 1) * DAY).toISOString(),
    detector,
    window_start: new Date(S0 + d * DAY).toISOString(),
    window_end: new Date(S0 + (d + 1) * DAY).toISOString(),
    baseline: 'previous',
    model: 'syn',
    model_version: 'v3',
    segment: '',
    feature,
    metric,
    value,
    p_value: null,
    threshold: null,
    status: 'ok',
    n_ref: 0,
    n_cur: 0,
    details: '',
  });
  const wiggle = (d: number) => [0.3, -0.5, 0.8, -0.2, 0.1, -0.7, 0.4][d % 7]!;
  const window = { start: new Date(S0 + 29 * DAY), end: new Date(S0 + 30 * DAY) };
  const run = (over: Record<string, unknown>) => runTrend(store, trendJob({ name: 'syn', ...over }), { runId: 's', runAt: window.end, window, signal: new AbortController().signal, minSamples: 1, logger: silentLogger });

  beforeAll(async () => {
    const rows: ScoreRow[] = [];
    for (let d = 0; d < 30; d++) {
      // PSI of amount creeps up by 0.004 a day (never reaching the 0.1 warn band), country stays put.
      rows.push(point('psi', 'amount', d, 0.02 + 0.004 * Math.max(0, d - 7) + 0.003 * wiggle(d)));
      rows.push(point('psi', 'country', d, 0.02 + 0.003 * wiggle(d + 3)));
      rows.push(point('estimated_accuracy', '', d, 0.91 - 0.004 * Math.max(0, d - 7) + 0.005 * wiggle(d + 1), 'estimated_quality'));
    }
    // A run whose status says no judgement is skipped; a re-run of a window replaces its value.
    rows.push({ ...point('psi', 'amount', 29, 99), status: 'insufficient_data' });
    rows.push({ ...point('psi', 'country', 29, 0.02), run_at: new Date(S0 + 40 * DAY).toISOString(), run_id: 'rerun' });
    await writeScores(store, rows);
  });

  it('a drift score creeping up is flagged as an increase; a steady one is not', async () => {
    const rows = await run({ metrics: 'psi' });
    const amount = pick(rows, 'v3', 'trend_psi', 'amount', 'syn');
    expect([amount.status, details(amount).direction]).toEqual(['alert', 'increase']);
    expect(details(amount).latest).toEqual({ window_end: window.end.toISOString(), value: 0.02 + 0.004 * 22 + 0.003 * wiggle(29) });
    expect(pick(rows, 'v3', 'trend_psi', 'country', 'syn').status).toBe('ok');
  });

  it('an estimated accuracy sinking is flagged as a decrease', async () => {
    const r = pick(await run({ metrics: 'estimated_*' }), 'v3', 'trend_estimated_accuracy', '', 'syn');
    expect([r.status, details(r).direction, details(r).source_detector]).toEqual(['alert', 'decrease', 'estimated_quality']);
  });

  it('filters by feature and detector; a pinned reference; too short a history is insufficient_data', async () => {
    expect((await run({ metrics: 'psi', features: 'country' })).map((r) => r.feature)).toEqual(['country']);
    expect(await run({ metrics: 'psi', detectors: 'quality' })).toEqual([]);
    const pinned = pick(await run({ metrics: 'psi', reference: { type: 'range', from: new Date(S0).toISOString(), to: new Date(S0 + 10 * DAY).toISOString() } }), 'v3', 'trend_psi', 'amount', 'syn');
    expect([pinned.status, pinned.n_ref, pinned.n_cur]).toEqual(['alert', 10, 20]);
    const short = pick(await run({ metrics: 'psi', reference: { type: 'leading', windows: 28 } }), 'v3', 'trend_psi', 'amount', 'syn');
    expect(short.status).toBe('insufficient_data');
    expect(details(short).reason).toMatch(/2 point\(s\) after the reference, fewer than 3/);
  });

  it('never reads its own rows', async () => {
    const first = await run({ metrics: '*' });
    await writeScores(store, first);
    const again = await run({ metrics: '*' });
    expect(again.some((r) => r.metric.startsWith('trend_trend_'))).toBe(false);
    expect(again.length).toBe(first.length);
  });

  it('parses as a detectors.jobs kind; metrics are required', () => {
    const c = parseConfig({ detectors: { jobs: [{ name: 'decay', kind: 'trend', metrics: ['accuracy', 'estimated_accuracy'] }] } });
    expect(c.detectors.jobs[0]).toMatchObject({ kind: 'trend', method: 'cusum', slack: 0.5, threshold: 5, reference: { type: 'leading', windows: 7 }, lookback: '90d' });
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'decay', kind: 'trend' }] } })).toThrow(/metrics/);
  });
});

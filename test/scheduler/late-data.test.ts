// First start and late data against the real engine: a first start scores
// every recent window that holds predictions (not only the newest), and a
// window that receives predictions after it was scored is scored again
// within detectors.max_lateness, the new scores superseding the old ones
// (both kept; current_scores shows the newest run's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/core/score.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { ScoreGauges } from '../../src/metrics/score-gauges.ts';
import type { DetectorJob, RunContext } from '../../src/scheduler/job.ts';
import { soleLeader } from '../../src/scheduler/lease.ts';
import { Scheduler, type ScoredRun } from '../../src/scheduler/scheduler.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

const H = 3_600_000;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

const chTs = (iso: string) => iso.replace('T', ' ').replace('Z', '');
let seq = 0;
async function predictions(model: string, isoTimes: string[]): Promise<void> {
  await store.insert(
    'predictions',
    isoTimes.map((ts) => ({ event_id: `e${++seq}`, ts: chTs(ts), model, model_version: 'v1', prediction: '1', features: '{"a":1}', source: 'test', kafka_topic: '', kafka_partition: -1, kafka_offset: -1 })),
  );
}

/** A job that scores its window with the number of the model's predictions in it (so a re-score shows what it saw). */
function countingJob(name: string, model: string): DetectorJob & { calls: RunContext[] } {
  const calls: RunContext[] = [];
  return {
    name,
    schedule: '0 0 1 1 *',
    windowMs: H,
    delayMs: 0,
    timeoutMs: 10_000,
    calls,
    async run(ctx) {
      calls.push(ctx);
      const [row] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM predictions WHERE model = {m:String} AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC')`,
        { params: { m: model, s: ctx.window.start.getTime(), e: ctx.window.end.getTime() } },
      );
      const n = Number(row?.n ?? 0);
      const score: ScoreRow = {
        run_id: ctx.runId,
        run_at: ctx.runAt.toISOString(),
        detector: name,
        window_start: ctx.window.start.toISOString(),
        window_end: ctx.window.end.toISOString(),
        baseline: 'previous',
        model,
        model_version: 'v1',
        segment: '',
        feature: '',
        metric: 'volume',
        value: n,
        p_value: null,
        threshold: null,
        status: 'ok',
        n_ref: 0,
        n_cur: n,
        details: '',
        tags: { deployment: 'canary' },
      };
      return [score];
    },
  };
}

function scheduler(jobs: DetectorJob[], now: number, opts: { maxCatchup?: number; maxLatenessMs?: number } = {}) {
  const registry = createRegistry({ defaultMetrics: false });
  const s = new Scheduler({ store: () => store, jobs, logger: silentLogger, registry, lease: soleLeader, maxCatchup: opts.maxCatchup ?? 24, maxLatenessMs: opts.maxLatenessMs ?? 6 * H, now: () => now });
  const heard: ScoredRun[] = [];
  s.onScores(async (r) => void heard.push(r));
  // The daemon's gauges listen the same way.
  const gauges = new ScoreGauges(registry);
  s.onScores(async (r) => gauges.update(r.scores));
  const gauge = async (model: string) => (await registry.getSingleMetric('driftwatch_drift_score')!.get()).values.find((v) => v.labels.model === model)?.value;
  return { s, heard, gauge };
}

const hhmm = (iso: string) => iso.slice(11, 16);

describe('first start', () => {
  it('scores every complete window within max_catchup that holds predictions, and the newest', async () => {
    const j = countingJob('first', 'm-first');
    // 02:30 is older than 5 windows before 10:00; 05:00-06:00 and 07:00-08:00 are empty.
    await predictions('m-first', ['2026-11-23T02:30:00Z', '2026-11-23T06:30:00Z', '2026-11-23T06:40:00Z', '2026-11-23T08:10:00Z']);
    const { s } = scheduler([j], Date.parse('2026-11-23T10:20:00Z'), { maxCatchup: 5 });
    const runs = await s.tick(j, 'catchup');
    expect(runs.map((r) => [hhmm(r.window_end), r.trigger, r.status])).toEqual([
      ['07:00', 'catchup', 'ok'],
      ['09:00', 'catchup', 'ok'],
      ['10:00', 'catchup', 'ok'],
    ]);
    const values = await store.query<{ e: string; value: number }>(`SELECT toString(window_end) AS e, value FROM current_scores WHERE detector = 'first' ORDER BY window_end`);
    expect(values.map((v) => [v.e.slice(11, 16), v.value])).toEqual([
      ['07:00', 2],
      ['09:00', 1],
      ['10:00', 0],
    ]);
    // The tags the run carried are stored with the scores.
    expect((await store.query<{ t: string }>(`SELECT tags['deployment'] AS t FROM drift_scores WHERE detector = 'first' LIMIT 1`))[0]?.t).toBe('canary');
    // Nothing is due until the next window completes.
    expect(await s.tick(j, 'schedule')).toEqual([]);
  });
});

describe('late data', () => {
  it('a window that receives predictions after it was scored is scored again; the new scores supersede the old, both kept', async () => {
    const j = countingJob('late', 'm-late');
    const now = Date.parse('2026-11-25T10:20:00Z');
    await predictions('m-late', ['2026-11-25T07:10:00Z', '2026-11-25T09:30:00Z']);
    const { s, heard, gauge } = scheduler([j], now, { maxCatchup: 24 });
    const first = await s.tick(j, 'catchup');
    expect(first.map((r) => hhmm(r.window_end))).toEqual(['08:00', '10:00']);
    expect(await gauge('m-late')).toBe(1);
    expect(await s.tick(j, 'schedule')).toEqual([]);

    // Late: two more for 07:00-08:00 (ended 2h20m ago), one for 01:00-02:00 (ended 8h20m ago: past max_lateness).
    await predictions('m-late', ['2026-11-25T07:20:00Z', '2026-11-25T07:30:00Z', '2026-11-25T01:30:00Z']);
    const again = await s.tick(j, 'schedule');
    expect(again.map((r) => [hhmm(r.window_end), r.trigger, r.status])).toEqual([['08:00', 'late', 'ok']]);
    expect(heard.at(-1)).toMatchObject({ trigger: 'late', window_start: '2026-11-25T07:00:00.000Z', window_end: '2026-11-25T08:00:00.000Z' });
    expect(heard.at(-1)?.scores[0]?.value).toBe(3);
    // The gauge keeps the newest window's value (09:00-10:00), not the re-scored older one's.
    expect(await gauge('m-late')).toBe(1);

    // Both runs' rows are kept; only the newest is current.
    const rows = await store.query<{ run_id: string; value: number; current: number }>(
      `SELECT run_id, value, run_id IN (SELECT run_id FROM current_scores) AS current FROM drift_scores
       WHERE detector = 'late' AND window_end = '2026-11-25 08:00:00' ORDER BY run_at`,
    );
    expect(rows.map((r) => [r.run_id, r.value, Number(r.current)])).toEqual([
      [first[0]!.run_id, 1, 0],
      [again[0]!.run_id, 3, 1],
    ]);
    // Scored again, nothing more is late.
    expect(await s.tick(j, 'schedule')).toEqual([]);
  });

  it('max_lateness 0s turns re-scoring off', async () => {
    const j = countingJob('never-late', 'm-never');
    const now = Date.parse('2026-11-26T10:20:00Z');
    await predictions('m-never', ['2026-11-26T08:10:00Z']);
    const { s } = scheduler([j], now, { maxLatenessMs: 0 });
    expect((await s.tick(j, 'catchup')).map((r) => hhmm(r.window_end))).toEqual(['09:00', '10:00']);
    await predictions('m-never', ['2026-11-26T08:20:00Z']);
    expect(await s.tick(j, 'schedule')).toEqual([]);
  });
});

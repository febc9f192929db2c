import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/core/score.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import type { DetectorJob, RunContext } from '../../src/scheduler/job.ts';
import { soleOwner } from '../../src/core/ownership.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

const H = 3_600_000;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

function job(name: string, behaviour: (ctx: RunContext) => Promise<ScoreRow[]>, overrides: Partial<DetectorJob> = {}): DetectorJob & { calls: RunContext[] } {
  const calls: RunContext[] = [];
  return {
    name,
    schedule: '0 0 1 1 *',
    windowMs: H,
    delayMs: 0,
    timeoutMs: 5_000,
    calls,
    run: (ctx) => {
      calls.push(ctx);
      return behaviour(ctx);
    },
    ...overrides,
  };
}

function score(ctx: RunContext, status: ScoreRow['status']): ScoreRow {
  return {
    run_id: ctx.runId,
    run_at: ctx.runAt.toISOString(),
    detector: 'd',
    window_start: ctx.window.start.toISOString(),
    window_end: ctx.window.end.toISOString(),
    baseline: 'previous',
    model: 'm',
    model_version: 'v1',
    segment: '',
    feature: 'f',
    metric: 'psi',
    value: 0.3,
    p_value: null,
    threshold: 0.25,
    status,
    n_ref: 1000,
    n_cur: 1000,
    details: '',
  };
}

function scheduler(jobs: DetectorJob[], now: number) {
  return new Scheduler({ store: () => store, jobs, logger: silentLogger, registry: createRegistry({ defaultMetrics: false }), owner: soleOwner('scheduler'), maxCatchup: 24, now: () => now });
}

const count = async (sql: string, params: Record<string, unknown>): Promise<number> => Number((await store.query<{ n: number }>(sql, { params }))[0]?.n);

describe('Scheduler', () => {
  it('writes scores and the run, and tells listeners', async () => {
    const j = job('write', async (ctx) => [score(ctx, 'alert')]);
    const s = scheduler([j], Date.parse('2026-11-23T10:20:00Z'));
    const heard: string[] = [];
    s.onScores(async (run) => void heard.push(`${run.detector}:${run.scores.length}`));
    const [summary] = await s.runOnce();
    expect(summary).toMatchObject({ detector: 'write', status: 'ok', scores: 1, findings: 1, window_end: '2026-11-23T10:00:00.000Z', trigger: 'once' });
    expect(heard).toEqual(['write:1']);
    expect(await count("SELECT count() AS n FROM drift_scores WHERE run_id = {id:String} AND status = 'alert'", { id: summary!.run_id })).toBe(1);
    expect(await count("SELECT count() AS n FROM detector_runs FINAL WHERE run_id = {id:String} AND status = 'ok'", { id: summary!.run_id })).toBe(1);
  });

  it('catches up every window missed while down, oldest first, then nothing is due', async () => {
    const j = job('catchup', async (ctx) => [score(ctx, 'ok')]);
    await store.insert('detector_runs', [
      { run_id: 'old', detector: 'catchup', window_start: '2026-11-23 05:00:00', window_end: '2026-11-23 06:00:00', trigger: 'schedule', started_at: '2026-11-23 06:00:00', finished_at: '2026-11-23 06:00:01', status: 'ok' },
    ]);
    const s = scheduler([j], Date.parse('2026-11-23T10:20:00Z'));
    const runs = await s.tick(j, 'catchup');
    expect(runs.map((r) => r.window_end.slice(11, 16))).toEqual(['07:00', '08:00', '09:00', '10:00']);
    expect(runs.every((r) => r.status === 'ok')).toBe(true);
    expect(await s.tick(j, 'schedule')).toEqual([]);
  });

  it('never overlaps runs of one job: a tick during a run is skipped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const j = job('slow', async (ctx) => {
      await gate;
      return [score(ctx, 'ok')];
    });
    const s = scheduler([j], Date.parse('2026-11-24T10:20:00Z'));
    const first = s.tick(j, 'schedule');
    await new Promise((r) => setTimeout(r, 200));
    expect(await s.tick(j, 'schedule')).toEqual([]);
    release();
    expect((await first).map((r) => r.status)).toEqual(['ok']);
    expect(j.calls).toHaveLength(1);
  });

  it('a run past its time limit is recorded as timeout and its signal aborted', async () => {
    const j = job('stuck', (ctx) => new Promise<ScoreRow[]>((resolve) => ctx.signal.addEventListener('abort', () => setTimeout(() => resolve([]), 10_000))), { timeoutMs: 300 });
    const s = scheduler([j], Date.parse('2026-11-23T10:20:00Z'));
    const [r] = await s.runOnce();
    expect(r).toMatchObject({ status: 'timeout', error: expect.stringMatching(/time limit of 300 ms/) });
    expect(j.calls[0]?.signal.aborted).toBe(true);
    expect(await count("SELECT count() AS n FROM detector_runs FINAL WHERE detector = 'stuck' AND status = 'timeout'", {})).toBe(1);
  });

  it('a failing job is recorded as failed and the runner does not reject', async () => {
    const j = job('broken', async () => {
      throw new Error('boom');
    });
    const s = scheduler([j], Date.parse('2026-11-23T10:20:00Z'));
    const runs = await s.tick(j, 'schedule');
    expect(runs).toEqual([expect.objectContaining({ status: 'failed', error: 'boom' })]);
  });

  it('backfills each window of a range and rejects unknown detectors', async () => {
    const j = job('bf', async (ctx) => [score(ctx, 'ok')]);
    const s = scheduler([j], Date.parse('2026-11-23T10:20:00Z'));
    const runs = await s.backfill({ from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-20T06:00:00Z'), everyMs: 2 * H });
    expect(runs.map((r) => [r.window_start.slice(11, 16), r.window_end.slice(11, 16), r.trigger])).toEqual([
      ['00:00', '02:00', 'backfill'],
      ['02:00', '04:00', 'backfill'],
      ['04:00', '06:00', 'backfill'],
    ]);
    await expect(s.runOnce({ detector: 'nope' })).rejects.toThrow(/unknown detector "nope"/);
  });
});

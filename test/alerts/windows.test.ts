// Alerts count windows, not runs: a second run over the window an alert last
// judged (late data re-scored) replaces that judgement, and a run over an
// older window (a backfill, a re-score of an old window) leaves it alone.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../alerts/clock.ts';
import { alertsSchema, type AlertsConfigInput } from '../../alerts/config.ts';
import { AlertEngine } from '../../alerts/engine.ts';
import { MemoryVersionHealthStore } from '../../alerts/health.ts';
import { MemoryAlertStateStore } from '../../alerts/state-store.ts';
import type { ScoreRun } from '../../alerts/score.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { run } from './helpers.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');

function engine(rules: AlertsConfigInput['rules']) {
  const config = alertsSchema.parse({ rules });
  const state = new MemoryAlertStateStore();
  const health = new MemoryVersionHealthStore();
  return { e: new AlertEngine({ config, state, health, clock: new ManualClock(), logger: silentLogger }), state, health };
}

/** A run over window k ([T0 + (k-1)h, T0 + kh)). */
function windowRun(k: number, value: number): ScoreRun {
  const r = run([{ value, status: value > 0.25 ? 'alert' : 'ok' }]);
  return { ...r, window_start: new Date(T0 + (k - 1) * H).toISOString(), window_end: new Date(T0 + k * H).toISOString() };
}

const rule = { name: 'drift', match: { metric: 'psi' }, thresholds: { warning: 0.1, critical: 0.25 }, for: 2 };

describe('alerts per window', () => {
  it('the same window scored again and still breaching counts once; its value and evidence are replaced', async () => {
    const { e } = engine([rule]);
    await e.evaluate(windowRun(1, 0.3));
    await e.evaluate(windowRun(1, 0.45));
    const [a] = e.list();
    expect(a).toMatchObject({ state: 'pending', breachRuns: 1, value: 0.45, severity: 'critical', lastJudgement: 'breach', lastWindowEnd: T0 + H });
    expect(a!.evidence.map((x) => [x.value, x.window_end])).toEqual([[0.45, new Date(T0 + H).toISOString()]]);
    await e.evaluate(windowRun(2, 0.3));
    expect(e.firing().map((x) => x.breachRuns)).toEqual([2]);
  });

  it('a re-score that turns a window healthy resets a pending alert; one that turns it breaching counts', async () => {
    const { e } = engine([rule]);
    await e.evaluate(windowRun(1, 0.3));
    await e.evaluate(windowRun(1, 0.02));
    expect(e.list()).toEqual([]);
    await e.evaluate(windowRun(2, 0.02));
    await e.evaluate(windowRun(3, 0.02));
    await e.evaluate(windowRun(3, 0.4));
    expect(e.list().map((a) => [a.state, a.breachRuns])).toEqual([['pending', 1]]);
  });

  it('a severity change of a re-scored window escalates a firing alert without counting a run', async () => {
    const { e } = engine([{ ...rule, for: 1 }]);
    await e.evaluate(windowRun(1, 0.15));
    expect(e.firing().map((a) => a.severity)).toEqual(['warning']);
    const res = await e.evaluate(windowRun(1, 0.5));
    expect(res.transitions).toEqual([]);
    expect(e.firing().map((a) => [a.severity, a.breachRuns])).toEqual([['critical', 1]]);
  });

  it('a run over an older window than the alert last judged leaves it alone, but its health is recorded per window', async () => {
    const { e, health } = engine([rule]);
    await e.evaluate(windowRun(5, 0.3));
    const before = e.list()[0]!;
    await e.evaluate(windowRun(3, 0.02));
    await e.evaluate(windowRun(4, 0.3));
    expect(e.list()).toEqual([before]);
    expect(health.rows.map((h) => [new Date(h.window_end!).toISOString().slice(11, 16), h.healthy])).toEqual([
      ['05:00', false],
      ['03:00', true],
      ['04:00', false],
    ]);
  });

  it("model-level rows (version '', e.g. a model's total volume) record no version health, so they are never a rollback target", async () => {
    const { e, health } = engine([rule]);
    const r = run([{ model_version: '', feature: '', metric: 'volume_ratio', detector: 'volume', value: 1, status: 'ok' }, { model_version: 'v11', value: 0.01 }]);
    await e.evaluate(r);
    expect(health.rows.map((h) => h.model_version)).toEqual(['v11']);
    await health.record([{ ...health.rows[0]!, model_version: '', run_at: health.rows[0]!.run_at + 1 }]);
    expect(await health.lastHealthyVersion('fraud', 'v13')).toBe('v11');
  });

  it('runs that do not say their window count run by run, as before', async () => {
    const { e } = engine([rule]);
    await e.evaluate(run([{ value: 0.3 }]));
    await e.evaluate(run([{ value: 0.3 }]));
    expect(e.firing()).toHaveLength(1);
  });
});

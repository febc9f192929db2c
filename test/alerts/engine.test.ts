// The rule engine over in-memory stores: thresholds -> severity, `for`,
// keep_firing_for (runs and duration), flapping, no-data runs, restart from
// the store, version health.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../alerts/clock.ts';
import { alertsSchema, type AlertsConfigInput } from '../../alerts/config.ts';
import { AlertEngine } from '../../alerts/engine.ts';
import { MemoryVersionHealthStore } from '../../alerts/health.ts';
import { MemoryAlertStateStore } from '../../alerts/state-store.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { run } from './helpers.ts';

function engine(rules: AlertsConfigInput['rules'], opts: { state?: MemoryAlertStateStore; clock?: ManualClock; health?: MemoryVersionHealthStore } = {}) {
  const config = alertsSchema.parse({ rules });
  const state = opts.state ?? new MemoryAlertStateStore();
  const clock = opts.clock ?? new ManualClock();
  const health = opts.health ?? new MemoryVersionHealthStore();
  return { e: new AlertEngine({ config, state, health, clock, logger: silentLogger }), state, clock, health };
}

const psi = (over: Record<string, unknown> = {}) => ({ name: 'drift', match: { metric: 'psi' }, thresholds: { warning: 0.1, critical: 0.25 }, ...over });

describe('rules', () => {
  it('maps the value to the most severe threshold crossed, with labels and templated annotations', async () => {
    const { e } = engine([
      psi({ labels: { team: 'ml' }, annotations: { summary: '{{metric}} {{value}} > {{threshold}} on {{labels.team}}', runbook_url: 'https://rb/{{feature}}' } }),
    ]);
    await e.evaluate(run([{ value: 0.15, feature: 'amount' }, { value: 0.4, feature: 'country code' }, { value: 0.01, feature: 'age' }]));
    const alerts = e.list().sort((a, b) => a.value! - b.value!);
    expect(alerts.map((a) => [a.labels.feature, a.severity, a.threshold, a.state])).toEqual([
      ['amount', 'warning', 0.1, 'firing'],
      ['country code', 'critical', 0.25, 'firing'],
    ]);
    expect(alerts[1]?.labels).toEqual({ alertname: 'drift', model: 'fraud', version: 'v13', metric: 'psi', detector: 'drift', feature: 'country code', team: 'ml', severity: 'critical' });
    expect(alerts[1]?.annotations).toEqual({ summary: 'psi 0.4 > 0.25 on ml', runbook_url: 'https://rb/country%20code' });
  });

  it('direction below, and detector status when a rule has no thresholds', async () => {
    const { e } = engine([
      { name: 'accuracy', match: { metric: 'accuracy' }, thresholds: { critical: 0.8 }, direction: 'below' },
      { name: 'volume', match: { metric: 'volume_drop' }, severity: 'error' },
    ]);
    await e.evaluate(run([{ metric: 'accuracy', feature: '', value: 0.7 }, { metric: 'volume_drop', feature: '', value: 0.9, status: 'alert', threshold: 0.5 }, { metric: 'accuracy', feature: '', model_version: 'v12', value: 0.9 }]));
    expect(e.firing().map((a) => [a.rule, a.labels.version, a.severity, a.threshold, 'feature' in a.labels])).toEqual([
      ['accuracy', 'v13', 'critical', 0.8, false],
      ['volume', 'v13', 'error', 0.5, false],
    ]);
  });

  it('selectors: globs on model, version and feature; tags limit a rule to canary traffic', async () => {
    const { e } = engine([psi({ name: 'canary-drift', match: { metric: 'psi', model: 'fr*', version: ['v1?'], feature: 'am*', tags: { deployment: 'canary' } } })]);
    await e.evaluate(
      run([
        { value: 0.5, tags: { deployment: 'canary' } },
        { value: 0.5, tags: { deployment: 'stable' }, model_version: 'v12' },
        { value: 0.5, model: 'churn', tags: { deployment: 'canary' } },
        { value: 0.5, feature: 'age', tags: { deployment: 'canary' } },
        { value: 0.5, model_version: 'v2', tags: { deployment: 'canary' } },
      ]),
    );
    expect(e.firing().map((a) => a.labels)).toEqual([expect.objectContaining({ model: 'fraud', version: 'v13', feature: 'amount', deployment: 'canary' })]);
  });
});

describe('lifecycle', () => {
  it('pending for `for - 1` runs, then firing, then resolved on the first healthy run', async () => {
    const { e, state } = engine([psi({ for: 3 })]);
    const states: string[] = [];
    for (const v of [0.3, 0.3, 0.3, 0.3, 0.01]) {
      await e.evaluate(run([{ value: v }]));
      states.push(e.list()[0]?.state ?? 'none');
    }
    expect(states).toEqual(['pending', 'pending', 'firing', 'firing', 'resolved']);
    expect(state.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['inactive->pending', 'pending->firing', 'firing->resolved']);
    const a = e.list()[0]!;
    expect(a.evidence).toHaveLength(4);
    expect(a.value).toBe(0.01);
  });

  it('a flapping score (breach, ok, breach, ok) with for: 2 never fires', async () => {
    const { e, state } = engine([psi({ for: 2 })]);
    for (const v of [0.3, 0.01, 0.3, 0.01, 0.3, 0.01]) await e.evaluate(run([{ value: v }]));
    expect(state.transitions.filter((t) => t.to === 'firing')).toHaveLength(0);
    expect(e.firing()).toEqual([]);
  });

  it('keep_firing_for (runs) holds a flapping alert firing: one firing, no resolution between breaches', async () => {
    const { e, state } = engine([psi({ keep_firing_for: 2 })]);
    for (const v of [0.3, 0.01, 0.3, 0.01, 0.3, 0.01]) await e.evaluate(run([{ value: v }]));
    expect(state.transitions.map((t) => t.to)).toEqual(['firing']);
    await e.evaluate(run([{ value: 0.01 }]));
    expect(e.firing()).toHaveLength(1);
    await e.evaluate(run([{ value: 0.01 }]));
    expect(state.transitions.map((t) => t.to)).toEqual(['firing', 'resolved']);
  });

  it('keep_firing_for as a duration counts time since the last breach', async () => {
    const { e, clock } = engine([psi({ keep_firing_for: '30m' })]);
    await e.evaluate(run([{ value: 0.3 }]));
    clock.advance(20 * 60_000);
    await e.evaluate(run([{ value: 0.01 }]));
    expect(e.firing()).toHaveLength(1);
    clock.advance(10 * 60_000);
    await e.evaluate(run([{ value: 0.01 }]));
    expect(e.firing()).toHaveLength(0);
    expect(e.list()[0]?.state).toBe('resolved');
  });

  it('runs without data neither advance nor reset an alert', async () => {
    const { e } = engine([psi({ for: 2 })]);
    await e.evaluate(run([{ value: 0.3 }]));
    await e.evaluate(run([{ value: null, status: 'insufficient_data' }]));
    await e.evaluate(run([{ value: 0.3, status: 'no_data' }]));
    expect(e.list()[0]?.state).toBe('pending');
    await e.evaluate(run([{ value: 0.3 }]));
    expect(e.list()[0]?.state).toBe('firing');
    await e.evaluate(run([{ value: null, status: 'error' }]));
    expect(e.list()[0]?.state).toBe('firing');
  });

  it('escalation keeps the identity and changes the severity', async () => {
    const { e } = engine([psi()]);
    await e.evaluate(run([{ value: 0.15 }]));
    const first = e.firing()[0]!;
    await e.evaluate(run([{ value: 0.5 }]));
    const second = e.firing()[0]!;
    expect(second.fingerprint).toBe(first.fingerprint);
    expect([first.severity, second.severity]).toEqual(['warning', 'critical']);
    expect(second.firedAt).toBe(first.firedAt);
  });

  it('two rows for one alert in a run: the stronger judgement wins', async () => {
    const { e } = engine([psi()]);
    // Tags the rule does not name are not part of the identity.
    await e.evaluate(run([{ value: 0.01, tags: { region: 'a' } }, { value: 0.3, tags: { region: 'b' } }, { value: 0.15, tags: { region: 'c' } }]));
    expect(e.firing().map((a) => a.severity)).toEqual(['critical']);
  });

  it('the detector is part of the identity: two jobs scoring one metric are two alerts', async () => {
    const { e } = engine([psi({ for: 2 })]);
    // A canary against the champion (breach) and against its own past (ok), run after run.
    for (let i = 0; i < 2; i++) await e.evaluate(run([{ value: 0.4, detector: 'canary-vs-champion' }, { value: 0.02, detector: 'fraud-drift' }]));
    expect(e.firing().map((a) => a.labels.detector)).toEqual(['canary-vs-champion']);
  });
});

describe('persistence and health', () => {
  it('a new engine over the same store remembers pending and firing alerts', async () => {
    const state = new MemoryAlertStateStore();
    const clock = new ManualClock();
    const a = engine([psi({ for: 2 })], { state, clock });
    await a.e.evaluate(run([{ value: 0.3, feature: 'x' }, { value: 0.3, feature: 'y' }]));
    await a.e.evaluate(run([{ value: 0.3, feature: 'x' }]));
    const b = engine([psi({ for: 2 })], { state, clock });
    await b.e.load();
    expect(b.e.list().map((x) => [x.labels.feature, x.state]).sort()).toEqual([
      ['x', 'firing'],
      ['y', 'pending'],
    ]);
    await b.e.evaluate(run([{ value: 0.3, feature: 'y' }]));
    expect(b.e.firing()).toHaveLength(2);
  });

  it('alerts of a removed rule resolve at load', async () => {
    const state = new MemoryAlertStateStore();
    const a = engine([psi()], { state });
    await a.e.evaluate(run([{ value: 0.3 }]));
    const b = engine([psi({ name: 'renamed' })], { state });
    await b.e.load();
    expect(b.e.list().map((x) => [x.rule, x.state])).toEqual([['drift', 'resolved']]);
    expect(state.transitions.at(-1)).toMatchObject({ from: 'firing', to: 'resolved', run_id: 'rule-removed' });
  });

  it('alerts stored before the detector joined the identity resolve at load (no run can match them again)', async () => {
    const state = new MemoryAlertStateStore();
    const a = engine([psi()], { state });
    await a.e.evaluate(run([{ value: 0.3 }]));
    const [stored] = [...state.alerts.values()];
    const { detector: _gone, ...oldLabels } = stored!.labels;
    state.alerts.set(stored!.fingerprint, { ...stored!, labels: oldLabels });
    const b = engine([psi()], { state });
    await b.e.load();
    expect(b.e.list().map((x) => [x.rule, x.state])).toEqual([['drift', 'resolved']]);
    expect(state.transitions.at(-1)).toMatchObject({ from: 'firing', to: 'resolved', run_id: 'identity-changed' });
    // The same score now makes a new alert, with the detector among its labels.
    await b.e.evaluate(run([{ value: 0.3 }]));
    expect(b.e.firing().map((x) => x.labels.detector)).toEqual(['drift']);
  });

  it('a failed save leaves the engine as it was, so the next run retries', async () => {
    const { e, state } = engine([psi()]);
    state.failSave = true;
    await expect(e.evaluate(run([{ value: 0.3 }]))).rejects.toMatchObject({ code: 'DW_ALERT_STATE' });
    expect(e.firing()).toEqual([]);
    state.failSave = false;
    await e.evaluate(run([{ value: 0.3 }]));
    expect(e.firing()).toHaveLength(1);
  });

  it('records per-version health: detector alerts and rule breaches make a version unhealthy', async () => {
    const { e, health } = engine([psi()]);
    await e.evaluate(run([{ model_version: 'v11', value: 0.01 }, { model_version: 'v12', value: 0.01 }, { model_version: 'v13', value: 0.5 }, { model_version: 'v14', value: 0.01, metric: 'ks', status: 'alert' }, { model_version: 'v15', status: 'no_data', value: null }]));
    expect(health.rows.map((r) => [r.model_version, r.healthy]).sort()).toEqual([
      ['v11', true],
      ['v12', true],
      ['v13', false],
      ['v14', false],
    ]);
    expect(await health.lastHealthyVersion('fraud', 'v13')).toMatch(/^v1[12]$/);
  });
});

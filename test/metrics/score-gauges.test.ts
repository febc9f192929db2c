// Score series: one per (model, version, detector, segment, feature, metric),
// status as one 0/1 series per state, and versions not seen for
// metrics.version_ttl leaving /metrics.
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/core/score.ts';
import { ModelMetrics } from '../../src/metrics/model-metrics.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { SCORE_STATUSES, ScoreGauges } from '../../src/metrics/score-gauges.ts';
import { StaleVersions } from '../../src/metrics/stale-versions.ts';
import { VersionAgeGauges } from '../../src/metrics/version-age.ts';
import { createLogger } from '../../src/core/log/logger.ts';

const row = (over: Partial<ScoreRow>): ScoreRow => ({
  run_id: 'r1',
  run_at: '2026-11-21T00:00:00.000Z',
  detector: 'fraud-drift',
  window_start: '2026-11-20T00:00:00.000Z',
  window_end: '2026-11-21T00:00:00.000Z',
  baseline: 'previous',
  model: 'fraud',
  model_version: 'v12',
  segment: '',
  feature: 'amount',
  metric: 'psi',
  value: 0.31,
  p_value: null,
  threshold: 0.2,
  status: 'alert',
  n_ref: 100,
  n_cur: 100,
  details: '{}',
  ...over,
});

const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (want.every(([k, v]) => got[k] === v) && Object.keys(got).length === want.length) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
};

describe('score gauges', () => {
  it('keep two detectors scoring the same feature apart, with the segment as its own label', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const g = new ScoreGauges(registry);
    g.update([row({}), row({ detector: 'fraud-drift-vs-train', baseline: 'dataset:train', value: 0.05, status: 'ok' }), row({ segment: 'country=FR', value: 0.5 })]);
    const text = await registry.metrics();
    const base = { model: 'fraud', version: 'v12', feature: 'amount', metric: 'psi' };
    expect(sample(text, 'driftwatch_drift_score', { ...base, detector: 'fraud-drift', segment: '' })).toBe(0.31);
    expect(sample(text, 'driftwatch_drift_score', { ...base, detector: 'fraud-drift-vs-train', segment: '' })).toBe(0.05);
    expect(sample(text, 'driftwatch_drift_score', { ...base, detector: 'fraud-drift', segment: 'country=FR' })).toBe(0.5);
    expect(text).not.toContain('amount@');
  });

  it('export the status as one 0/1 series per state, exactly one of them 1', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const g = new ScoreGauges(registry);
    g.update([row({ status: 'alert' })]);
    g.update([row({ status: 'no_data', value: null, window_end: '2026-11-21T01:00:00.000Z' })]);
    const text = await registry.metrics();
    const labels = { model: 'fraud', version: 'v12', detector: 'fraud-drift', segment: '', feature: 'amount', metric: 'psi' };
    const values = SCORE_STATUSES.map((s) => sample(text, 'driftwatch_drift_status', { ...labels, status: s }));
    expect(values).toEqual(SCORE_STATUSES.map((s) => (s === 'no_data' ? 1 : 0)));
    expect(Math.min(...(values as number[]))).toBeGreaterThanOrEqual(0);
    // A null value removes the score series rather than showing the old one.
    expect(sample(text, 'driftwatch_drift_score', labels)).toBeUndefined();
  });

  it('drop every series of a version not seen for the TTL, and only of that version', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    let now = 1_000_000;
    const scores = new ScoreGauges(registry);
    const model = new ModelMetrics(registry);
    const ages = new VersionAgeGauges(registry);
    const stale = new StaleVersions(60_000, [model, scores, ages], createLogger({ level: 'error' }), () => now);
    model.onSeen = (m, v) => stale.touch(m, v);
    const seen = (version: string): void => {
      scores.update([row({ model_version: version })]);
      stale.touch('fraud', version);
      model.record('fraud', version, { n: 3, errors: 1, lastTsMs: now, buckets: [] });
    };
    seen('v11');
    seen('v12');
    now += 45_000;
    seen('v12');
    expect(stale.sweep()).toEqual([]);
    now += 30_000;
    expect(stale.sweep()).toEqual([{ model: 'fraud', version: 'v11' }]);
    const text = await registry.metrics();
    expect(text).not.toContain('version="v11"');
    for (const name of ['driftwatch_drift_score', 'driftwatch_model_predictions_total', 'driftwatch_model_prediction_errors_total']) {
      expect(text, name).toMatch(new RegExp(`^${name}\\{[^}]*version="v12"`, 'm'));
    }
    // Seen again, it comes back.
    seen('v11');
    expect(await registry.metrics()).toContain('version="v11"');
  });
});

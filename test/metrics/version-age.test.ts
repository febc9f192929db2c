// Staleness scores become Prometheus gauges in seconds; other scores are ignored.
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/core/score.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { VersionAgeGauges } from '../../src/metrics/version-age.ts';

const row = (over: Partial<ScoreRow>): ScoreRow => ({
  run_id: 'r',
  run_at: '2026-11-21T00:00:00.000Z',
  detector: 'staleness',
  window_start: '2026-11-20T00:00:00.000Z',
  window_end: '2026-11-21T00:00:00.000Z',
  baseline: '',
  model: 'fraud',
  model_version: 'v12',
  segment: '',
  feature: '',
  metric: 'version_age_days',
  value: 40,
  p_value: null,
  threshold: 30,
  status: 'alert',
  n_ref: 0,
  n_cur: 5,
  details: JSON.stringify({ first_seen: '2026-10-12T00:00:00.000Z' }),
  ...over,
});

describe('version age gauges', () => {
  it('export first seen, age and training age in seconds', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const g = new VersionAgeGauges(registry);
    g.update([row({}), row({ metric: 'days_since_training', value: 51.5 }), row({ model_version: 'v13', metric: 'days_since_training', value: null, status: 'no_data' }), row({ metric: 'psi', value: 0.3 })]);
    const text = await registry.metrics();
    expect(text).toContain('driftwatch_model_version_age_seconds{model="fraud",version="v12"} 3456000');
    expect(text).toContain('driftwatch_model_version_training_age_seconds{model="fraud",version="v12"} 4449600');
    expect(text).toContain(`driftwatch_model_version_first_seen_timestamp_seconds{model="fraud",version="v12"} ${Date.parse('2026-10-12T00:00:00Z') / 1000}`);
    expect(text).not.toContain('version="v13"');
    expect(text).not.toContain('0.3');
  });
});

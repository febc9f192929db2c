// /metrics follows Prometheus conventions: promtool finds nothing to report.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/config/secret.ts';
import { HttpServer } from '../../../src/http/server.ts';
import { Router } from '../../../src/core/http/router.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { ModelMetrics } from '../../../src/metrics/model-metrics.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import { ScoreGauges } from '../../../src/metrics/score-gauges.ts';
import { PROMTOOL_BIN } from '../../helpers/prometheus.ts';

describe('/metrics', () => {
  it('passes promtool check metrics, and /metrics needs no token', async () => {
    const registry = createRegistry();
    new ModelMetrics(registry).record('fraud', 'v1', { n: 2, errors: 1, lastTsMs: Date.now(), buckets: [{ count: 0, sum: 0 }, { count: 0, sum: 0 }, { count: 0, sum: 0 }, { count: 2, sum: 0.018 }] });
    new ScoreGauges(registry).update([
      { run_id: 'r', run_at: '', detector: 'drift', window_start: '', window_end: '', baseline: '', model: 'fraud', model_version: 'v1', segment: '', feature: 'amount', metric: 'psi', value: 0.3, p_value: null, threshold: 0.25, status: 'alert', n_ref: 1, n_cur: 1, details: '' },
    ]);
    const server = new HttpServer({ host: '127.0.0.1', port: 0, router: new Router(), registry, logger: silentLogger, authToken: new Secret('t'), readiness: () => ({ ready: true, checks: {} }) });
    await server.start();
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('driftwatch_drift_score{model="fraud",version="v1",detector="drift",segment="",feature="amount",metric="psi"} 0.3');
      expect(text).toContain('driftwatch_drift_status{model="fraud",version="v1",detector="drift",segment="",feature="amount",metric="psi",status="alert"} 1');
      const check = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error).toBeUndefined();
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

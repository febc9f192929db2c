// `driftwatch demo --exit` walks the whole path: HTTP ingest, detectors,
// scores, an alert delivered to a webhook, and a clean stop.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

describe('driftwatch demo', () => {
  it('detects the drifted canary and delivers the alert', async () => {
    const dir = tempDir();
    try {
      const r = await runCli(['demo', '--exit', '--port', '0', '--data-dir', dir.path, '--champion', '4000', '--canary', '2000'], { timeoutMs: 120_000, env: { KAFKA_BROKERS: '' } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/fraud-canary-drift\s+ok\s+\d+\s+[1-9]\d*/);
      expect(r.stdout).toMatch(/risk_score_ext\s+psi\s+[\d.]+\s+alert/);
      expect(r.stdout).toMatch(/webhook <- FIRING canary-feature-drift fraud\/v2/);
      expect(r.stdout).toContain('demo finished.');
    } finally {
      dir.remove();
    }
  });
});

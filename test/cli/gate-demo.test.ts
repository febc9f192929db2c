// The demo's drifted canary does not pass the rollout gate:
// `driftwatch demo --exit` logs fraud/v1 and fraud/v2 (drifted and degraded
// halfway through), then
// `driftwatch gate --model fraud --candidate v2 --baseline v1` on the same
// data directory answers fail with the default policy and exits 1.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../detectors/gate/types.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { runCli } from '../helpers/cli.ts';

describe('driftwatch gate on the demo', { timeout: 600_000 }, () => {
  it('fails the drifted canary (exit 1), latency and confidence among the failed checks', async () => {
    const dir = tempDir();
    try {
      const demo = await runCli(['demo', '--exit', '--port', '0', '--data-dir', dir.path], { timeoutMs: 420_000, env: { KAFKA_BROKERS: '' } });
      expect(demo.code, demo.stdout + demo.stderr).toBe(0);
      const r = await runCli(['gate', '--model', 'fraud', '--candidate', 'v2', '--baseline', 'v1', '--format', 'json'], { env: { DRIFTWATCH_DATA_DIR: dir.path, DRIFTWATCH_KAFKA__ENABLED: 'false' }, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(1);
      const g = JSON.parse(r.stdout) as GateReport;
      expect(g).toMatchObject({ verdict: 'fail', statistical_verdict: 'fail', policy: 'default' });
      // The champion takes 75% of fraud's traffic, the canary 25%.
      expect(g.samples.candidate).toBeGreaterThan(500);
      expect(g.samples.baseline).toBeGreaterThan(2 * g.samples.candidate);
      const failed = g.checks.filter((c) => c.decision === 'fail').map((c) => c.name);
      expect(failed).toEqual(expect.arrayContaining(['latency_p95_ratio', 'confidence_shift']));
      // The gate command the demo prints runs as printed (it names the demo's data directory).
      const printed = demo.stdout.split('\n').find((l) => / gate --model fraud /.test(l));
      expect(printed).toMatch(/DRIFTWATCH_DATA_DIR=/);
      let code = 0;
      try {
        execFileSync('bash', ['-c', printed!.replace(/#.*$/, '').trim()], { cwd: resolve(import.meta.dirname, '../..'), stdio: 'pipe', env: { ...process.env, DRIFTWATCH_KAFKA__ENABLED: 'false' }, timeout: 120_000 });
      } catch (e) {
        code = (e as { status?: number }).status ?? -1;
      }
      expect(code).toBe(1);
    } finally {
      dir.remove();
    }
  });
});

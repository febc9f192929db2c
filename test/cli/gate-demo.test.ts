// The demo's drifted canary does not pass the rollout gate:
// `driftwatch demo --exit` logs fraud/v1 and the drifted fraud/v2, then
// `driftwatch gate --model fraud --candidate v2 --baseline v1` on the same
// data directory answers fail with the default policy and exits 1.
import { describe, expect, it } from 'vitest';
import type { GateReport } from '../../detectors/gate/types.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { runCli } from '../helpers/cli.ts';

describe('driftwatch gate on the demo', { timeout: 300_000 }, () => {
  it('fails the drifted canary (exit 1), latency and confidence among the failed checks', async () => {
    const dir = tempDir();
    try {
      const demo = await runCli(['demo', '--exit', '--port', '0', '--data-dir', dir.path, '--champion', '4000', '--canary', '2000'], { timeoutMs: 120_000, env: { KAFKA_BROKERS: '' } });
      expect(demo.code, demo.stdout + demo.stderr).toBe(0);
      const r = await runCli(['gate', '--model', 'fraud', '--candidate', 'v2', '--baseline', 'v1', '--format', 'json'], { env: { DRIFTWATCH_DATA_DIR: dir.path, DRIFTWATCH_KAFKA__ENABLED: 'false' }, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(1);
      const g = JSON.parse(r.stdout) as GateReport;
      expect(g).toMatchObject({ verdict: 'fail', statistical_verdict: 'fail', policy: 'default', samples: { baseline: 4000, candidate: 2000 } });
      const failed = g.checks.filter((c) => c.decision === 'fail').map((c) => c.name);
      expect(failed).toEqual(expect.arrayContaining(['latency_p95_ratio', 'confidence_shift']));
    } finally {
      dir.remove();
    }
  });
});

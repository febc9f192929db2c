// `driftwatch demo`: the --exit walkthrough delivers the alerts and a signed
// rollback webhook whose signature verifies; the live demo feeds the daemon
// through its own Kafka broker, and Ctrl-C (SIGINT) stops everything, the
// broker included, leaving no process behind.
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

/** Pids of live processes whose environment holds the marker (children inherit it; the broker too). */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      if (env.includes(marker) && !/\) Z /.test(stat)) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

describe('driftwatch demo', () => {
  it('--exit: detects the canary, alerts, and the rollback webhook arrives with a verified signature, again on a second run in the same directory', async () => {
    const dir = tempDir();
    try {
      // The second run must tell the same story: nothing of the first (firing
      // alerts, the rollback's cooldown) carries over.
      for (const run of [1, 2]) {
        const r = await runCli(['demo', '--exit', '--port', '0', '--data-dir', dir.path], { timeoutMs: 420_000, env: { KAFKA_BROKERS: '' } });
        expect(r.code, r.stdout + r.stderr).toBe(0);
        if (run === 2) expect(r.stdout).toContain('cleared what an earlier demo run left in');
        expect(r.stdout).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
        expect(r.stdout).toMatch(/input-drift\s+6\s+0\s+\d+/);
        expect(r.stdout).toMatch(/ALERT FIRING feature-drift \[critical\] fraud\/v2: psi\(amount\)/);
        expect(r.stdout).toMatch(/ALERT FIRING feature-drift \[critical\] fraud\/v2: psi\(country\)/);
        expect(r.stdout).toMatch(/ALERT FIRING canary-degraded \[critical\] fraud\/v2: (error_rate_delta|confidence_mean_drop|latency_p95_ratio)/);
        expect(r.stdout).not.toMatch(/ALERT FIRING feature-drift .* fraud\/v1/);
        expect(r.stdout).toMatch(/ROLLBACK webhook msg_[0-9a-f]+: fraud v2 -> v1 \(rule canary-degraded/);
        expect(r.stdout).toContain('signature verified');
        expect(r.stdout).not.toContain('NOT verified');
        expect(r.stdout).toContain('demo finished.');
      }
    } finally {
      dir.remove();
    }
  }, 900_000);

  it('live: traffic through its own Kafka broker; SIGINT stops everything and leaves no process behind', async () => {
    const dir = tempDir();
    const marker = `DW_DEMO_TEST_MARKER=${randomUUID()}`;
    const [k, v] = marker.split('=') as [string, string];
    const demo = spawnCli(['demo', '--port', '0', '--data-dir', dir.path, '--drift-after', '600'], { env: { KAFKA_BROKERS: '', [k]: v } });
    try {
      expect(await until(() => /stored [1-9]\d*/.test(demo.output()), 240_000), demo.output()).toBe(true);
      expect(demo.output()).toMatch(/traffic: +Kafka at 127\.0\.0\.1:\d+/);
      expect(demo.output()).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
      expect(processesWith(marker).length).toBeGreaterThanOrEqual(2); // the demo and its broker
      demo.child.kill('SIGINT');
      const exit = await demo.exited;
      expect(exit.code, demo.output()).toBe(0);
      expect(demo.output()).toContain('demo stopped.');
      expect(await until(() => processesWith(marker).length === 0, 30_000), `left behind: ${processesWith(marker).join(', ')}`).toBe(true);
    } finally {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
      dir.remove();
    }
  }, 300_000);
});

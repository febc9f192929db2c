// `driftwatch gate` as a CI step runs it, on the planted versions (a
// regressed canary v2, a clone of the champion v1clone): exit 0 pass,
// 1 fail, 3 inconclusive, 2 error; without a daemon it judges, records and
// sends the policy's signed rollback itself (once: the second fail is in the
// cooldown); with a daemon holding the store it asks GET /v1/gate; and
// deploy/ci/driftwatch-gate.sh loops on it until the verdict is decided.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../alerts/actions/sign.ts';
import type { GateReport } from '../../detectors/gate/types.ts';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { startReceiver, type Receiver } from '../alerts/helpers.ts';
import { END } from '../detectors/versions/planted.ts';
import { CLI, REPO_ROOT, runCli, spawnCli, waitForHttp } from '../helpers/cli.ts';

const SECRET = 'whsec_' + Buffer.from('cli gate rollback signing key!!').toString('base64');
const ENV = { DW_GATE_CLI_SECRET: SECRET };
let dir: ReturnType<typeof tempDir>;
let cfg: string;
let port: number;
let receiver: Receiver;
// Each CLI run starts Node, tsx and the engine: on a loaded 2-core machine that takes a while.
const SLOW = { timeout: 300_000 };
const gate = (candidate: string, ...more: string[]) => runCli(['gate', '--model', 'fraud', '--candidate', candidate, '--baseline', 'v1', '--end', END, '--config', cfg, ...more], { env: ENV, timeoutMs: 240_000 });

function runScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolveRun) => {
    const child = spawn('bash', [join(REPO_ROOT, 'deploy/ci/driftwatch-gate.sh'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...ENV, DRIFTWATCH: `${process.execPath} ${CLI}`, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A run left behind would hold the embedded store's lock for the next test.
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out });
    });
  });
}

beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
  cfg = join(dir.path, 'dw.yaml');
  const data = join(dir.path, 'data');
  writeFileSync(
    cfg,
    `data_dir: ${data}
http:
  port: ${port}
kafka:
  enabled: false
alerts:
  actions:
    - { name: rollback-cli, type: rollback, url: "${receiver.url}/rollback", secret: "\${DW_GATE_CLI_SECRET}", cooldown: 1h }
gates:
  policies:
    - name: lenient
      min_samples: 100
      max_duration: 2h
      checks:
        latency_p95_ratio: { threshold: 1.5 }
        error_rate_increase: { threshold: 0.05 }
        confidence_shift: { threshold: 0.1 }
        prediction_shift: { threshold: 0.2 }
        quality: { threshold: 0.2 }
    - { name: patient, max_duration: 2h }
    - { name: rb, rollback_action: rollback-cli }
`,
  );
  await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/detectors/versions/seed-main.ts'), data], { cwd: REPO_ROOT });
});
afterAll(async () => {
  await receiver?.close();
  dir?.remove();
});

describe('driftwatch gate', SLOW, () => {
  it('without a daemon: fail for the regressed canary, exit 1, a table of checks and the reasons', async () => {
    const r = await gate('v2');
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('fraud: v2 against v1, policy default: FAIL');
    expect(lines[1]).toBe('evidence since 2026-11-23T10:00:00.000Z until 2026-11-23T11:00:00.000Z (60 min); predictions v1 1000, v2 1000');
    expect(r.stdout).toMatch(/^check\s+decision\s+value\s+threshold\s+lower\s+upper\s+p_value\s+n_v1\s+n_v2$/m);
    expect(r.stdout).toMatch(/^latency_p95_ratio\s+FAIL\s+1\.986\s+1\.2\s+1\.9\d+\s+2\.0\d+\s+0\s+1000\s+1000$/m);
    expect(r.stdout).toMatch(/^error_rate_increase\s+FAIL\s+0\.044\s+0\.005\s/m);
    expect(r.stdout).toMatch(/^shadow_agreement\s+skipped\s/m);
    expect(r.stdout).toContain('  - quality: accuracy 0.491 against 0.751: change -0.26');
    expect(r.stdout).toMatch(/^evidence: \/v1\/versions\/compare\?model=fraud&a=v1&b=v2&window=3600s&end=/m);
  });

  it('exit 0 on pass (JSON), 3 on inconclusive', async () => {
    const pass = await gate('v1clone', '--policy', 'lenient', '--format', 'json');
    expect(pass.code, pass.stderr).toBe(0);
    expect(JSON.parse(pass.stdout)).toMatchObject({ verdict: 'pass', policy: 'lenient', candidate: 'v1clone' });
    const wait = await gate('v1clone', '--policy', 'patient');
    expect(wait.code, wait.stderr).toBe(3);
    expect(wait.stdout.split('\n')[0]).toBe('fraud: v1clone against v1, policy patient: INCONCLUSIVE');
  });

  it('exit 2 on errors, with the problem named', async () => {
    const same = await gate('v1');
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/DW_USAGE: --candidate: candidate and baseline must be different versions/);
    const policy = await gate('v2', '--policy', 'nope');
    expect(policy.code).toBe(2);
    expect(policy.stderr).toMatch(/DW_USAGE: --policy: unknown policy nope \(policies: default, lenient, patient, rb\)/);
    const format = await gate('v2', '--format', 'yaml');
    expect(format.code).toBe(2);
    const missing = await runCli(['gate', '--model', 'fraud', '--candidate', 'v2', '--config', cfg], { timeoutMs: 240_000 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--baseline <version>'/);
  });

  it('on fail the policy rollback is sent, signed, once within the cooldown', async () => {
    const first = await gate('v2', '--policy', 'rb');
    expect(first.code, first.stderr).toBe(1);
    const id = /^rollback: rollback-cli queued \((msg_[0-9a-f]{32})\)$/m.exec(first.stdout)?.[1];
    expect(id, first.stdout).toBeDefined();
    expect(receiver.requests).toHaveLength(1);
    const hook = receiver.requests[0]!;
    expect(verifyWebhook({ secret: SECRET, headers: hook.headers, body: hook.body })).toBe(id);
    expect(hook.json).toMatchObject({ type: 'rollback', source: 'gate', model: 'fraud', current_version: 'v2', target_version: 'v1', gate: { policy: 'rb', verdict: 'fail' } });
    const second = await gate('v2', '--policy', 'rb');
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/^rollback: rollback-cli cooldown$/m);
    expect(receiver.requests).toHaveLength(1);
  });

  it('deploy/ci/driftwatch-gate.sh: exit 1 on fail, 0 on pass, 3 when it gives up on inconclusive', async () => {
    const fail = await runScript(['fraud', 'v2', 'v1', '--end', END, '--config', cfg], {});
    expect(fail.code, fail.out).toBe(1);
    expect(fail.out).toContain('driftwatch gate: fraud/v2 failed against v1');
    const pass = await runScript(['fraud', 'v1clone', 'v1', '--policy', 'lenient', '--end', END, '--config', cfg], {});
    expect(pass.code, pass.out).toBe(0);
    const giveUp = await runScript(['fraud', 'v1clone', 'v1', '--policy', 'patient', '--end', END, '--config', cfg], { GATE_INTERVAL: '0', GATE_TIMEOUT: '0' });
    expect(giveUp.code, giveUp.out).toBe(3);
    expect(giveUp.out).toContain('driftwatch gate: still inconclusive after 0s');
    const usage = await runScript(['fraud'], {});
    expect(usage.code).toBe(2);
  });

  it('with a daemon holding the store: the same verdict through GET /v1/gate, recorded and counted by the daemon', async () => {
    const first = await gate('v2', '--format', 'json');
    expect(first.code, first.stderr).toBe(1);
    const direct = JSON.parse(first.stdout) as GateReport;
    const d = spawnCli(['start', '--config', cfg], { env: ENV });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200 });
      const r = await gate('v2', '--format', 'json');
      expect(r.code, r.stderr).toBe(1);
      const viaApi = JSON.parse(r.stdout) as GateReport;
      expect(viaApi.checks).toEqual(direct.checks);
      expect(viaApi.reasons).toEqual(direct.reasons);
      expect(viaApi.evidence_url).toBe(`http://127.0.0.1:${port}${direct.evidence_url}`);
      expect(viaApi.decision_id).not.toBe(direct.decision_id);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('driftwatch_gate_verdicts_total{model="fraud",policy="default",verdict="fail"} 1');
      const sql = await runCli(['sql', 'SELECT source, count() AS n FROM gate_decisions GROUP BY source ORDER BY source', '--format', 'json', '--config', cfg], { env: ENV, timeoutMs: 240_000 });
      expect(JSON.parse(sql.stdout)).toEqual([
        { source: 'api', n: 1 },
        { source: 'cli', n: expect.any(Number) },
      ]);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});

// The outbox survives a kill: a process queues a signed rollback, is killed
// with SIGKILL while the receiver holds the delivery open, a new process over
// the same store delivers it again with the same webhook-id, and the
// receiver - deduplicating by webhook-id like a Standard Webhooks consumer -
// acts on it exactly once. A third start sends nothing more.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../alerts/actions/sign.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { startReceiver, waitUntil, type Receiver } from '../../alerts/helpers.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/alerting-child.ts');
const SECRET = 'whsec_' + Buffer.from('outbox-kill-test-secret-32-bytes!').toString('base64');
const dir = tempDir('dw-outbox-kill-');
const children: ChildProcess[] = [];
let receiver: Receiver | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await receiver?.close();
  dir.remove();
});

function child(env: Record<string, string>): { proc: ChildProcess; stdout: () => string; stderr: () => string; waitFor: (re: RegExp) => Promise<RegExpExecArray> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, DW_TEST_ROLLBACK_SECRET: SECRET, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitFor: async (re) => {
      await waitUntil(() => re.test(out + err) || proc.exitCode !== null, 60_000, `${re} in child output`);
      const m = re.exec(out + err);
      if (!m) throw new Error(`child exited (${proc.exitCode}) before ${re}:\n${err}`);
      return m;
    },
  };
}

async function kill(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

describe('durable outbox', () => {
  it('a delivery pending at SIGKILL arrives after restart, exactly once by webhook-id', async () => {
    const processed = new Map<string, string>();
    let hold = true;
    receiver = await startReceiver((req) => {
      if (hold) return { hang: true };
      const id = verifyWebhook({ secret: SECRET, headers: req.headers, body: req.body });
      if (!processed.has(id)) processed.set(id, req.body); // idempotent by webhook-id
      return { status: 200 };
    });
    const config = join(dir.path, 'dw.yaml');
    writeFileSync(
      config,
      `data_dir: ${dir.path}
kafka: { enabled: false }
alerts:
  rules:
    - name: canary-drift
      match: { metric: psi, tags: { deployment: canary } }
      thresholds: { critical: 0.25 }
      actions: [rollback]
  actions:
    - name: rollback
      type: rollback
      url: ${receiver.url}/hooks/rollback
      secret: \${DW_TEST_ROLLBACK_SECRET}
      timeout: 60s
  outbox: { poll_interval: 100ms, backoff_base: 100ms, backoff_max: 500ms }
`,
    );
    const runs = join(dir.path, 'runs.json');
    const row = (over: Record<string, unknown>) => ({ run_id: 'r1', run_at: '2026-11-23T17:00:00.000Z', detector: 'drift', model: 'fraud', model_version: 'v12', segment: '', feature: 'amount', metric: 'psi', value: 0.02, p_value: null, threshold: 0.2, status: 'ok', tags: { deployment: 'stable' }, ...over });
    writeFileSync(
      runs,
      JSON.stringify([
        { run_id: 'r1', run_at: '2026-11-23T17:00:00.000Z', scores: [row({})] },
        { run_id: 'r2', run_at: '2026-11-23T18:00:00.000Z', scores: [row({ run_id: 'r2', run_at: '2026-11-23T18:00:00.000Z' }), row({ run_id: 'r2', run_at: '2026-11-23T18:00:00.000Z', model_version: 'v13', value: 0.4, status: 'alert', tags: { deployment: 'canary' } })] },
      ]),
    );

    // 1. Evaluate: the canary breaches, a rollback is queued and its delivery hangs.
    const first = child({ DW_CONFIG: config, DW_EVALUATE: runs });
    await first.waitFor(/EVALUATED/);
    await receiver.waitFor(1, 30_000);
    await kill(first.proc);
    expect(first.stderr()).toContain('"msg":"action queued"');
    expect(first.stderr()).not.toContain('"msg":"action delivered"');

    // 2. Restart: the pending message is loaded and delivered.
    hold = false;
    const second = child({ DW_CONFIG: config });
    await second.waitFor(/READY pending=1/);
    await second.waitFor(/"msg":"action delivered"/);
    await kill(second.proc);

    // 3. Another restart: nothing left to send.
    const third = child({ DW_CONFIG: config });
    await third.waitFor(/READY pending=0/);
    await new Promise((r) => setTimeout(r, 1000));
    await kill(third.proc);

    expect(receiver.requests).toHaveLength(2);
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
    expect([...processed.keys()]).toEqual([ids[0]]);
    const payload = JSON.parse(processed.get(ids[0] as string)!) as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'rollback', model: 'fraud', current_version: 'v13', target_version: 'v12', dry_run: false, alert: { labels: { deployment: 'canary' } } });
    for (const c of [first, second, third]) expect(c.stderr()).not.toContain(SECRET);
  });
});

// Real signals to real child processes: the daemon drains and exits 0 on the
// first signal; a second signal or the drain deadline exits non-zero.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/ports.ts';
import { spawnCli, waitForHttp } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/slow-daemon.ts');

function startFixture(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<void>((res) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) res();
    }),
  );
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, ready, exited, output: () => out };
}

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('driftwatch start', () => {
  it('serves health, drains on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const cfg = join(dir.path, 'dw.yaml');
    writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nhttp:\n  port: ${port}\nkafka:\n  enabled: false\n`);
    const d = spawnCli(['start', '--config', cfg]);
    try {
      const ready = await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200, timeoutMs: 30_000 });
      const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ready: boolean }> };
      expect(body.ready).toBe(true);
      expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['daemon', 'http', 'store']));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', state: 'running' });
      d.child.kill('SIGTERM');
      const { code } = await d.exited;
      expect(code, d.output()).toBe(0);
      const lines = d.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; component?: string });
      const msgs = lines.map((l) => l.msg);
      expect(msgs).toContain('signal received, draining');
      expect(msgs.at(-1)).toBe('daemon stopped');
      // Children before parents: the store closes before the HTTP server.
      const stopped = lines.filter((l) => l.msg === 'component stopped').map((l) => l.component);
      expect(stopped.indexOf('store')).toBeLessThan(stopped.indexOf('http'));
    } finally {
      d.child.kill('SIGKILL');
    }
  });
});

describe('signal handling', () => {
  it('a second signal during the drain exits non-zero at once', async () => {
    const f = startFixture({ STOP_MS: '20000' });
    await f.ready;
    f.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    f.child.kill('SIGINT');
    const code = await f.exited;
    expect(code).toBe(130);
    expect(f.output()).toContain('second signal during drain');
  });

  it('the drain deadline exits non-zero', async () => {
    const f = startFixture({ STOP_MS: '20000', DEADLINE_MS: '500' });
    await f.ready;
    f.child.kill('SIGTERM');
    const code = await f.exited;
    expect(code).toBe(124);
    expect(f.output()).toContain('DW_SHUTDOWN_TIMEOUT');
  });

  it('a fast drain exits 0', async () => {
    const f = startFixture({ STOP_MS: '50' });
    await f.ready;
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(0);
  });
});

// A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port,
// with its own storage directory and clustering off, for the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../testkit/ports.ts';
import { tempDir } from '../../../testkit/tmp.ts';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface AlertmanagerProcess {
  url: string;
  output: () => string;
  /** Alerts as GET /api/v2/alerts returns them (active ones by default). */
  alerts(query?: string): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL?: string; fingerprint: string; status: { state: string } }>>;
  stop(): Promise<void>;
}

export async function startAlertmanager(): Promise<AlertmanagerProcess> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(`${ALERTMANAGER_BIN} not found: install it with apt-get install -y prometheus-alertmanager (.ci/run does), or set ALERTMANAGER_BIN`);
  }
  const dir = tempDir('dw-am-');
  const config = join(dir.path, 'alertmanager.yml');
  writeFileSync(config, 'route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${config}`, `--storage.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`alertmanager did not become ready: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => out,
    alerts: async (query = '') => (await (await fetch(`${url}/api/v2/alerts${query}`)).json()) as Awaited<ReturnType<AlertmanagerProcess['alerts']>>,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      dir.remove();
    },
  };
}

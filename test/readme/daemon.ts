// The daemon in the test process, as `driftwatch start` builds it, for the
// README examples that need one (HTTP ingest, detectors, alerting, the API
// the CLI goes through), plus the README's CLI lines run from a shell with
// `driftwatch` on the PATH.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Logger } from '../../src/core/log/logger.ts';
import type { DemoEvent } from '../../src/demo/traffic.ts';
import { CLI } from '../helpers/cli.ts';

export interface RunningDaemon {
  app: App;
  base: string;
  stop(): Promise<void>;
}

export async function startDaemon(raw: Record<string, unknown>, logger: Logger): Promise<RunningDaemon> {
  const config = parseConfig(raw, 'test daemon config');
  const app = createApp(config, { logger, exit: () => undefined });
  await app.daemon.start();
  return { app, base: `http://127.0.0.1:${app.http.port}`, stop: async () => void (await app.daemon.stop()) };
}

/** Log predictions through the daemon's HTTP ingest, as model servers without Kafka do. */
export async function postEvents(base: string, events: Iterable<DemoEvent>): Promise<number> {
  let batch: string[] = [];
  let n = 0;
  const send = async (): Promise<void> => {
    if (batch.length === 0) return;
    const res = await fetch(`${base}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch.join('\n') + '\n' });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    n += batch.length;
    batch = [];
  };
  for (const e of events) {
    batch.push(JSON.stringify(e));
    if (batch.length === 5000) await send();
  }
  await send();
  return n;
}

/** A directory holding a `driftwatch` executable that runs this checkout's CLI. */
export function cliOnPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'driftwatch'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'driftwatch'), 0o755);
  return bin;
}

/** Run a README command line in bash (never blocking this process, which may be serving the daemon it talks to). */
export async function sh(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)('bash', ['-c', command], { cwd: opts.cwd, env: opts.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

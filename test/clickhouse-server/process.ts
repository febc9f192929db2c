// Start the test ClickHouse server in its own process (one chDB engine per
// process), wait until /ping answers, and hand back its URL and a stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { tempDir } from '../../testkit/tmp.ts';

const MAIN = resolve(import.meta.dirname, 'main.ts');
const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface ClickHouseServerProcess {
  /** http://127.0.0.1:<port>, for `clickhouse.url`. */
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Everything the server printed (stdout and stderr). */
  output(): string;
  /** SIGTERM, wait for the exit (SIGKILL after timeoutMs); removes a data dir it created unless keepData. */
  stop(opts?: { timeoutMs?: number; keepData?: boolean }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Data directory (default: a fresh temporary one, removed by stop()). */
  dataDir?: string;
  /** Port (default: any free one). */
  port?: number;
  /** Require this user and password (default: user `default`, no password). */
  user?: string;
  password?: string;
  /** Settings of the server's default profile (e.g. an older server's defaults). */
  settings?: Record<string, string | number>;
  /** Log every request to the server's output. */
  verbose?: boolean;
  /** Hold every INSERT that carries data this long after it arrived (a loaded server). */
  insertDelayMs?: number;
  timeoutMs?: number;
}

export async function startClickHouseServer(opts: StartOptions = {}): Promise<ClickHouseServerProcess> {
  const owned = opts.dataDir ? undefined : tempDir('dw-chserver-');
  const dataDir = opts.dataDir ?? (owned as { path: string }).path;
  // --exit-with-stdin: if this process dies without stop(), the server does not outlive it.
  const args = ['--import', 'tsx', MAIN, '--data', dataDir, '--port', String(opts.port ?? 0), '--exit-with-stdin'];
  if (opts.user !== undefined) args.push('--user', opts.user, '--password', opts.password ?? '');
  for (const [k, v] of Object.entries(opts.settings ?? {})) args.push('--setting', `${k}=${v}`);
  if (opts.verbose) args.push('--verbose');
  if (opts.insertDelayMs) args.push('--insert-delay-ms', String(opts.insertDelayMs));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let url: string | undefined;
  while (!url) {
    url = /clickhouse-test-server listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (url) break;
    if (hasExited || Date.now() > deadline) {
      child.kill('SIGKILL');
      owned?.remove();
      throw new Error(`the test ClickHouse server did not start: ${hasExited ? 'it exited' : 'timed out'}\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const ping = await fetch(`${url}/ping`);
  if ((await ping.text()) !== 'Ok.\n') throw new Error(`the test ClickHouse server at ${url} does not answer /ping`);

  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    output: () => out,
    async stop(o = {}) {
      if (!hasExited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
      const result = await exited;
      clearTimeout(timer);
      if (!o.keepData) owned?.remove();
      return result;
    },
  };
}

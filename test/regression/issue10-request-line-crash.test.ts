// Issue 10: `GET // HTTP/1.1` (also `//a:b@`, `//%00`), with no token,
// exited the daemon (new URL(req.url) outside the error handling). Sent to
// a real daemon, byte for byte over a socket and with curl; it keeps
// answering and never exits.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { spawnCli, waitForHttp, type Spawned } from '../helpers/cli.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const run = promisify(execFile);
const env = { DW_ISSUE10_TOKEN: 'issue10-daemon-token-0123456789' };
const dir = tempDir('dw-issue10-crash-');
let port: number;
let daemon: Spawned;
let exited = false;

beforeAll(async () => {
  port = await freePort();
  const cfg = join(dir.path, 'dw.yaml');
  writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nkafka:\n  enabled: false\nhttp:\n  port: ${port}\n  auth_token: \${DW_ISSUE10_TOKEN}\n`);
  daemon = spawnCli(['start', '--config', cfg], { env });
  void daemon.exited.then(() => (exited = true));
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200 });
});
afterAll(async () => {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  dir.remove();
});

const LINES = ['GET // HTTP/1.1', 'GET //a:b@ HTTP/1.1', 'GET //%00 HTTP/1.1', 'GET //a:b@/v1/models HTTP/1.1', 'GET http://x//v1/models HTTP/1.1', 'GET /v1/silences/%E0%A4%A HTTP/1.1', 'GET * HTTP/1.1', 'GET //[::1 HTTP/1.1'];

it.each(LINES)('raw %j: answered 4xx, the daemon still running', async (line) => {
  const r = await rawRequest(port, line);
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.status).toBeLessThan(500);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  expect(exited).toBe(false);
});

it.each(['//', '//a:b@', '//%00', '/v1/silences/%zz'])('curl --request-target %j: 4xx, still running', async (target) => {
  const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--request-target', target, `http://127.0.0.1:${port}/`]);
  expect(Number(stdout)).toBeGreaterThanOrEqual(400);
  expect(Number(stdout)).toBeLessThan(500);
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect(exited).toBe(false);
});

// `driftwatch versions compare` as a user runs it: opening the store itself
// when no daemon runs, through GET /v1/versions/compare when one holds the
// store; table and JSON output; exit 1 when something is flagged, 0 when
// nothing is, 2 on bad input.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VersionsReport } from '../../../detectors/versions/compare.ts';
import { REPO_ROOT, runCli, spawnCli, waitForHttp } from '../../helpers/cli.ts';
import { freePort } from '../../../testkit/ports.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { END } from './planted.ts';

let dir: ReturnType<typeof tempDir>;
let cfg: string;
let port: number;
const ARGS = ['versions', 'compare', '--model', 'fraud', '--a', 'v1', '--window', '1h', '--end', END, '--min-count', '100'];

beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  cfg = join(dir.path, 'dw.yaml');
  const data = join(dir.path, 'data');
  writeFileSync(cfg, `data_dir: ${data}\nhttp:\n  port: ${port}\nkafka:\n  enabled: false\n`);
  await promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/detectors/versions/seed-main.ts'), data], { cwd: REPO_ROOT });
});
afterAll(() => dir.remove());

describe('driftwatch versions compare', () => {
  it('without a daemon: a table, exit 1 for the regressed canary', async () => {
    const r = await runCli([...ARGS, '--b', 'v2', '--config', cfg]);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^fraud: v2 against v1, 2026-11-23T10:00:00.000Z \.\. 2026-11-23T11:00:00.000Z; \d+ flagged$/);
    expect(lines[2]).toMatch(/^section\s+metric\s+feature\s+v1\s+v2\s+delta\s+p_value\s+status\s+n_v1\s+n_v2$/);
    expect(r.stdout).toMatch(/operational\s+error_rate_delta\s+0\s+0\.044\s+0\.044\s+6\.87e-9\s+ALERT\s+1000\s+1000/);
    expect(r.stdout).toMatch(/quality\s+accuracy\s+0\.751\s+0\.491\s+-0\.26\s+2\.16e-33\s+ALERT/);
    expect(r.stdout).toMatch(/drift\s+psi\s+amount\s+0\s+3\.38\s+3\.38\s+3\.36e-80\s+ALERT/);
  });

  it('without a daemon: JSON, exit 0 for the clone', async () => {
    const r = await runCli([...ARGS, '--b', 'v1clone', '--format', 'json', '--config', cfg]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as VersionsReport;
    expect(report).toMatchObject({ model: 'fraud', a: 'v1', b: 'v1clone', flagged: 0 });
    expect(report.rows.length).toBeGreaterThan(30);
  });

  it('bad input exits 2', async () => {
    const same = await runCli([...ARGS, '--b', 'v1', '--config', cfg]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/DW_USAGE: --b: a and b must be different versions/);
    const badWindow = await runCli([...ARGS, '--b', 'v2', '--window', 'an hour', '--config', cfg]);
    expect(badWindow.code).toBe(2);
    expect(badWindow.stderr).toMatch(/--window: must be a duration/);
    const missing = await runCli(['versions', 'compare', '--model', 'fraud', '--config', cfg]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--a <version>'/);
  });

  it('with a daemon holding the store: the same report through the API; the API validates', async () => {
    const direct = JSON.parse((await runCli([...ARGS, '--b', 'v2', '--format', 'json', '--config', cfg])).stdout) as VersionsReport;
    const d = spawnCli(['start', '--config', cfg]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200 });
      const r = await runCli([...ARGS, '--b', 'v2', '--format', 'json', '--config', cfg]);
      expect(r.code, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual(direct);
      const api = await fetch(`http://127.0.0.1:${port}/v1/versions/compare?model=fraud&a=v1&b=v3&window=1h&end=${END}&min_count=100`);
      expect(api.status).toBe(200);
      const shadow = (await api.json()) as VersionsReport;
      expect(shadow.rows.find((x) => x.metric === 'shadow_agreement')).toMatchObject({ a: 1, b: 0.9 });
      const bad = await fetch(`http://127.0.0.1:${port}/v1/versions/compare?model=fraud&a=v1&window=1h&extra=1`);
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { code: string; errors: { detail: string; parameter: string }[] };
      expect(body.code).toBe('DW_HTTP_INVALID_REQUEST');
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ parameter: 'b' }), { detail: 'unknown key', parameter: 'extra' }]));
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});

// Installing the CLI as the README says: the clone linked into a global
// prefix, and a packed tarball installed into a prefix without the embedded
// engine (the server-mode install; its dependencies come from the npm
// registry, from the local cache when it has them). `driftwatch --help`
// runs from both; without the engine a server config works and an embedded
// one stops with DW_STORE_ENGINE_MISSING naming the package. (The README's
// `npm install -g ./driftwatch-0.1.0.tgz` is the same tarball with the
// ~545 MB engine; it is not repeated here.)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testkit/tmp.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { sh } from './daemon.ts';
import { blocksIn } from './readme.ts';

const dir = tempDir('dw-readme-install-');
afterAll(() => dir.remove());

const [clientBlock, serverBlock] = blocksIn('sh', 'Installing the CLI');
const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', DRIFTWATCH_CONFIG: undefined };
const ok = async (cmd: string, cwd: string, extra: NodeJS.ProcessEnv = {}) => {
  const r = await sh(cmd, { cwd, env: { ...env, ...extra }, timeoutMs: 200_000 });
  expect(r.code, `${cmd}\n${r.stderr}`).toBe(0);
  return r;
};

describe('README: installing the CLI', () => {
  let tarball = '';

  it('npm pack makes a tarball of the runtime files only', { timeout: 120_000 }, async () => {
    expect(clientBlock?.text).toContain('npm pack');
    const r = await ok(`npm pack ${REPO_ROOT} --json`, dir.path);
    const [info] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = info!.filename;
    expect(tarball).toBe('driftwatch-0.1.0.tgz');
    expect(clientBlock?.text).toContain(`./${tarball}`);
    const files = info!.files.map((f) => f.path);
    for (const f of ['bin/driftwatch.mjs', 'src/cli/main.ts', 'src/core/store/embedded.ts', 'detectors/registry.ts', 'alerts/engine.ts', 'sql/050_current_scores.sql', 'README.md']) expect(files).toContain(f);
    expect(files.filter((f) => /^(test|bench|testkit|scripts|node_modules)\//.test(f))).toEqual([]);
  });

  it('the server-mode install: the tarball into a prefix without the engine; --help runs, a server config works, an embedded one names the missing package', { timeout: 240_000 }, async () => {
    const prefix = join(dir.path, 'opt/driftwatch');
    const lines = serverBlock!.text.trim().split('\n').map((l) => l.split('/opt/driftwatch').join(prefix));
    expect(lines).toHaveLength(2);
    await ok(lines[0]!, dir.path);
    expect(existsSync(join(prefix, 'node_modules/chdb'))).toBe(false);
    const help = await ok(`${lines[1]}\ndriftwatch --help`, dir.path);
    expect(help.stdout).toContain('Usage: driftwatch');

    const work = join(dir.path, 'work');
    await ok(`mkdir -p ${work}`, dir.path);
    const server = await ok(`${lines[1]}\ndriftwatch config check`, work, { DRIFTWATCH_CLICKHOUSE__URL: 'http://ch.example:8123' });
    expect(server.stdout).toContain('"url": "http://ch.example:8123"');
    const embedded = await sh(`${lines[1]}\ndriftwatch migrate`, { cwd: work, env });
    expect(embedded.code).toBe(2);
    expect(embedded.stderr).toContain('DW_STORE_ENGINE_MISSING');
    expect(embedded.stderr).toContain('npm package "chdb"');
    expect(embedded.stderr).toContain('npm install chdb');
  });

  it('from a clone: npm install -g . links it into the global bin', { timeout: 120_000 }, async () => {
    const line = clientBlock!.text.split('\n')[0]!;
    expect(line).toMatch(/^npm ci --omit=dev && npm install -g \. /);
    // The clone's node_modules are there already (this checkout); the link is what is tested.
    const prefix = join(dir.path, 'global');
    await ok('npm install -g .', REPO_ROOT, { npm_config_prefix: prefix });
    const help = await ok(`${join(prefix, 'bin/driftwatch')} --help`, dir.path);
    expect(help.stdout).toContain('Usage: driftwatch');
  });
});

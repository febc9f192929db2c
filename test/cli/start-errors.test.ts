import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('CLI errors', () => {
  it('an invalid config exits 2, lists every problem with its path, and starts nothing', async () => {
    const cfg = join(dir.path, 'bad.yaml');
    const dataDir = join(dir.path, 'data');
    writeFileSync(cfg, `data_dir: ${dataDir}\nhttp:\n  port: -1\nclickhouse:\n  password: plain\nnonsense: true\n`);
    const r = await runCli(['start', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DW_CONFIG_INVALID');
    expect(r.stderr).toMatch(/http\.port: /);
    expect(r.stderr).toMatch(/clickhouse\.password: must be a reference/);
    expect(r.stderr).toContain('nonsense: unknown key');
    expect(r.stderr).not.toContain('plain');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unknown command or option exits 2; --help exits 0', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['start', '--nope'])).code).toBe(2);
    for (const cmd of [[], ['start'], ['migrate'], ['demo'], ['config', 'check']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: driftwatch/);
    }
  });

  it('migrate on a fresh data dir applies migrations, then finds them applied', async () => {
    const dataDir = join(dir.path, 'mig');
    const env = { DRIFTWATCH_DATA_DIR: dataDir };
    const first = await runCli(['migrate'], { env, cwd: dir.path });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied [1-9]\d* migration\(s\): 001_core\.sql/);
    const second = await runCli(['migrate'], { env, cwd: dir.path });
    expect(second.stdout).toMatch(/applied 0 migration\(s\); [1-9]\d* already applied/);
  });
});

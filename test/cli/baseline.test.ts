// `driftwatch baseline import|list` with a daemon holding the store: the CLI
// uploads the local file in the request body (the daemon has no import_dir,
// so a server-side path would be refused) and sends, for each request, the
// configured token whose scope the route needs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { runCli, spawnCli, waitForHttp } from '../helpers/cli.ts';

const env = { DW_T_READ: 'reader-token-0123456789abcdef', DW_T_ADMIN: 'admin-token-0123456789abcdef' };
let dir: ReturnType<typeof tempDir>;
let cfg: string;
let readOnlyCfg: string;
let port: number;
let data: string;

beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  data = join(dir.path, 'train.csv');
  writeFileSync(data, 'amount,country\n' + Array.from({ length: 120 }, (_, i) => `${i % 50},${i % 2 ? 'DE' : 'FR'}`).join('\n') + '\n');
  const base = `data_dir: ${join(dir.path, 'data')}\nkafka:\n  enabled: false\nhttp:\n  port: ${port}\n  tokens:\n    - { name: reader, token: "\${DW_T_READ}", scopes: [read] }\n`;
  cfg = join(dir.path, 'dw.yaml');
  writeFileSync(cfg, base + '    - { name: ops, token: "${DW_T_ADMIN}", scopes: [admin] }\n');
  readOnlyCfg = join(dir.path, 'dw-read.yaml');
  writeFileSync(readOnlyCfg, base);
});
afterAll(() => dir.remove());

describe('driftwatch baseline through a daemon with scoped tokens', () => {
  it('uploads the local file with the admin token, lists with the read token, and a read-only config gets 403', async () => {
    const d = spawnCli(['start', '--config', cfg], { env });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200 });
      const imp = await runCli(['baseline', 'import', '--model', 'fraud', '--version', 'v1', '--format', 'json', data, '--config', cfg], { env });
      expect(imp.code, imp.stderr).toBe(0);
      expect(JSON.parse(imp.stdout)).toMatchObject({ model: 'fraud', version: 'v1', rows: 120, path: 'upload:train.csv' });
      const list = await runCli(['baseline', 'list', '--format', 'json', '--config', readOnlyCfg], { env });
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ model: 'fraud', name: 'training', rows: 120 })]);
      const denied = await runCli(['baseline', 'import', '--model', 'fraud', '--version', 'v2', data, '--config', readOnlyCfg], { env });
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(/daemon answered 401|daemon answered 403/);
      const missing = await runCli(['baseline', 'import', '--model', 'fraud', '--version', 'v2', join(dir.path, 'nope.csv'), '--config', cfg], { env });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/DW_INPUT: cannot read baseline file .*no such file/);
      const api = await fetch(`http://127.0.0.1:${port}/v1/baselines`, { headers: { authorization: `bearer ${env.DW_T_READ}` } });
      expect(api.status).toBe(200);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});

// Issue 10: POST /v1/baselines accepted /tmp/../etc/passwd. A server-side
// path is accepted only inside baselines.import_dir, checked after `..` and
// symbolic links are resolved.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../../testkit/tmp.ts';
import { baselineApi } from './baseline-api-harness.ts';

const dir = tempDir('dw-issue10-dotdot-');
const imports = join(dir.path, 'imports');
let api: Awaited<ReturnType<typeof baselineApi>>;
beforeAll(async () => {
  mkdirSync(imports);
  writeFileSync(join(imports, 'ok.csv'), 'a\n1\n2\n');
  symlinkSync('/etc/passwd', join(imports, 'passwd.csv'));
  api = await baselineApi({ importDir: imports });
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

it.each([['/tmp/../etc/passwd'], [`${'/tmp'}/../etc/passwd`], ['__IMPORTS__/../../../../etc/passwd'], ['__IMPORTS__/passwd.csv'], ['__IMPORTS__/./../imports/../../etc/passwd']])('%s is refused', async (p) => {
  const r = await api.post(p.replace('__IMPORTS__', imports), 'csv');
  expect(r.status, r.text).toBe(400);
  expect(r.text).toMatch(/DW_BASELINE_PATH/);
  expect(r.text).not.toContain('root:');
});

it('a file inside import_dir is imported (the check is not a blanket refusal)', async () => {
  const r = await api.post(`${imports}/./sub/../ok.csv`.replace('/sub/..', ''), 'csv');
  expect(r.status, r.text).toBe(201);
});

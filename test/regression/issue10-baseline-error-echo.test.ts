// Issue 10: /etc/shadow imported as JSONL leaked its first bytes in the 400
// error. Refused paths, and files that do not parse, are answered without
// any of their bytes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../../testkit/tmp.ts';
import { baselineApi } from './baseline-api-harness.ts';

const LINE = 'root:$6$issue10salt$hashhashhash:19000:0:99999:7:::';
const dir = tempDir('dw-issue10-echo-');
let api: Awaited<ReturnType<typeof baselineApi>>;
beforeAll(async () => {
  writeFileSync(join(dir.path, 'shadow'), `${LINE}\ndaemon:*:19000:0:99999:7:::\n`);
  writeFileSync(join(dir.path, 'shadow.jsonl'), `${LINE}\n`);
  api = await baselineApi({ importDir: dir.path });
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

it.each([
  ['/etc/shadow', 'jsonl'],
  ['/etc/passwd', 'jsonl'],
])('%s (outside import_dir) as %s: refused, nothing echoed', async (p, f) => {
  const r = await api.post(p, f);
  expect(r.status).toBe(400);
  expect(r.text).not.toMatch(/root:|daemon:|\$6\$/);
});

it('a shadow-like file inside import_dir that does not parse as JSONL: 400 without its bytes', async () => {
  for (const name of ['shadow', 'shadow.jsonl']) {
    const r = await api.post(join(dir.path, name), 'jsonl');
    expect(r.status, r.text).toBe(400);
    expect(r.text).not.toMatch(/root|issue10salt|hashhash|\$6\$/);
  }
});

// Issue 10: a 2 GB sparse CSV given to POST /v1/baselines took RSS to 3.6 GB
// in 4 s. A server-side file above baselines.max_upload_bytes is refused by
// its size; an upload is streamed to disk, capped, and refused at its first
// NUL byte when it claims to be text.
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../../testkit/tmp.ts';
import { baselineApi } from './baseline-api-harness.ts';
import { addBaselineRoutes } from '../../src/api/baseline-routes.ts';
import { startTestServer } from '../helpers/http.ts';

const dir = tempDir('dw-issue10-sparse-');
const sparse = join(dir.path, 'sparse.csv');
let api: Awaited<ReturnType<typeof baselineApi>>;
beforeAll(async () => {
  const fd = openSync(sparse, 'w');
  ftruncateSync(fd, 2 * 1024 * 1024 * 1024);
  closeSync(fd);
  api = await baselineApi({ importDir: dir.path });
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

const rssWhile = async (fn: () => Promise<void>): Promise<number> => {
  const before = process.memoryUsage().rss;
  let peak = before;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    await fn();
  } finally {
    clearInterval(t);
  }
  return peak - before;
};

it('from import_dir: refused by size (413), memory untouched', async () => {
  const grew = await rssWhile(async () => {
    const r = await api.post(sparse, 'csv');
    expect(r.status).toBe(413);
  });
  expect(grew).toBeLessThan(256 * 1024 * 1024);
});

it('from import_dir with a cap above 2 GB: refused at the first NUL byte, nothing spooled to the end', async () => {
  const spoolDir = tempDir('dw-issue10-spool-');
  const wide = await startTestServer((r) => addBaselineRoutes(r, () => api.store, { importDir: dir.path, tmpDir: spoolDir.path, maxUploadBytes: 4 * 1024 * 1024 * 1024 }));
  try {
    const grew = await rssWhile(async () => {
      const r = await fetch(`${wide.base}/v1/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', version: 'v1', path: sparse }) });
      expect(r.status, await r.text()).toBe(400);
    });
    expect(grew).toBeLessThan(256 * 1024 * 1024);
  } finally {
    await wide.stop();
    spoolDir.remove();
  }
});

// Issue 10: SELECT ... INTO OUTFILE '/path' created files through
// POST /v1/sql, and with TRUNCATE overwrote them.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlApi } from './sql-api-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'dw-issue10-outfile-'));
let api: Awaited<ReturnType<typeof sqlApi>>;
beforeAll(async () => (api = await sqlApi()));
afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('creates no file', async () => {
  const target = join(dir, 'created.txt');
  const r = await api.sql(`SELECT 'pwned' INTO OUTFILE '${target}'`);
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'DW_SQL_REFUSED', error: expect.stringMatching(/INTO OUTFILE is not allowed/) });
  expect(existsSync(target)).toBe(false);
});

it('overwrites no file', async () => {
  const target = join(dir, 'kept.txt');
  writeFileSync(target, 'original');
  for (const q of [`SELECT 'pwned' INTO OUTFILE '${target}' TRUNCATE`, `SELECT 'pwned' INTO OUTFILE '${target}' APPEND`, `SELECT * FROM drift_scores INTO OUTFILE '${target}' TRUNCATE FORMAT CSV`]) {
    expect((await api.sql(q)).status).toBe(400);
  }
  expect(readFileSync(target, 'utf8')).toBe('original');
});

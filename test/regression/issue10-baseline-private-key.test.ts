// Issue 10: POST /v1/baselines {path} only checked that the path was
// absolute: a private key imported "as CSV" came back row by row through SQL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../../testkit/tmp.ts';
import { baselineApi } from './baseline-api-harness.ts';

const KEY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ-issue10';
const dir = tempDir('dw-issue10-key-');
let api: Awaited<ReturnType<typeof baselineApi>>;
beforeAll(async () => {
  mkdirSync(join(dir.path, 'ssh'));
  writeFileSync(join(dir.path, 'ssh', 'id_rsa'), `-----BEGIN PRIVATE KEY-----\n${KEY}\n-----END PRIVATE KEY-----\n`);
  api = await baselineApi();
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

it('the key file is refused, and nothing of it is stored or answered', async () => {
  const r = await api.post(join(dir.path, 'ssh', 'id_rsa'), 'csv');
  expect(r.status).toBe(400);
  expect(r.text).toMatch(/DW_BASELINE_PATH/);
  expect(r.text).not.toContain(KEY);
  const rows = await api.sql("SELECT feature, value_str FROM baseline_values UNION ALL SELECT arrayJoin(features), path FROM baseline_datasets");
  expect(rows).not.toContain(KEY);
  expect(rows).not.toContain('PRIVATE KEY');
});

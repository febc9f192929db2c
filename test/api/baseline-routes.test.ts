// POST /v1/baselines takes the dataset in the body (CSV, JSONL, Parquet,
// Arrow), size-capped and spooled to a private temporary file that is removed
// afterwards; a server-side path is accepted only inside baselines.import_dir
// after links and `..` are resolved; nothing of a refused or unparsable file
// appears in an answer. GET /v1/baselines is paginated.
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, closeSync, ftruncateSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBaselineRoutes } from '../../src/api/baseline-routes.ts';
import type { Store } from '../../src/core/store/store.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

const SECRET = 'dw-secret-7c1e5a93b2-do-not-echo';
let store: Store;
let cleanup: () => Promise<void>;
let api: Awaited<ReturnType<typeof startTestServer>>;
const work = tempDir('dw-baseline-routes-');
const importDir = join(work.path, 'imports');
const spoolDir = join(work.path, 'spool');
const outside = join(work.path, 'outside');
const MAX = 4 * 1024 * 1024;

const csv = (n: number, seed = 0) => 'amount,country\n' + Array.from({ length: n }, (_, i) => `${(i * 7 + seed) % 100},${['DE', 'FR', 'US'][i % 3]}`).join('\n') + '\n';

beforeAll(async () => {
  for (const d of [importDir, spoolDir, outside]) mkdirSync(d, { recursive: true });
  ({ store, cleanup } = await openTestStore());
  api = await startTestServer((r) => addBaselineRoutes(r, () => store, { maxUploadBytes: MAX, importDir, tmpDir: spoolDir }));
  writeFileSync(join(importDir, 'train.csv'), csv(200));
  writeFileSync(join(outside, 'secret.csv'), `key\n${SECRET}\n`);
  writeFileSync(join(importDir, 'broken.parquet'), `PAR1${SECRET}${SECRET}`);
  writeFileSync(join(importDir, 'private-key.csv'), `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`);
  symlinkSync(join(outside, 'secret.csv'), join(importDir, 'link.csv'));
  symlinkSync(outside, join(importDir, 'linkdir'));
  mkdirSync(join(importDir, 'sub.csv'));
  execFileSync('mkfifo', [join(importDir, 'fifo.csv')]);
  // A sparse 2 GB file: no disk used, all zeros when read.
  const fd = openSync(join(importDir, 'sparse.csv'), 'w');
  ftruncateSync(fd, 2 * 1024 * 1024 * 1024);
  closeSync(fd);
});
afterAll(async () => {
  await api.stop();
  await cleanup();
  work.remove();
});

async function upload(query: string, body: string | Uint8Array, type = 'application/octet-stream', extra: Record<string, string> = {}) {
  const r = await fetch(`${api.base}/v1/baselines?${query}`, { method: 'POST', headers: { 'content-type': type, ...extra }, body, duplex: 'half' } as RequestInit);
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text) as Record<string, unknown> };
}
async function fromPath(path: string, format?: string) {
  return upload('', JSON.stringify({ model: 'm', version: 'v1', name: 'p', path, ...(format ? { format } : {}) }), 'application/json');
}
const spoolEmpty = () => expect(readdirSync(spoolDir)).toEqual([]);

describe('uploads', () => {
  it('imports CSV by content-type, and records the upload as the source', async () => {
    const r = await upload('model=fraud&version=v1&name=csv&source=train.csv', csv(300), 'text/csv');
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ model: 'fraud', version: 'v1', name: 'csv', rows: 300, features: ['amount', 'country'], path: 'upload:train.csv' });
    spoolEmpty();
  });

  it('imports JSONL, Parquet and Arrow (content-type or format=)', async () => {
    const jsonl = Array.from({ length: 50 }, (_, i) => JSON.stringify({ amount: i, country: 'DE' })).join('\n');
    expect((await upload('model=fraud&version=v1&name=jsonl', jsonl, 'application/x-ndjson')).body).toMatchObject({ rows: 50 });
    const pq = join(work.path, 'x.parquet');
    await store.command(`INSERT INTO FUNCTION file('${pq}', 'Parquet') SELECT number AS amount, toString(number % 3) AS country FROM numbers(40)`);
    const { readFileSync } = await import('node:fs');
    expect((await upload('model=fraud&version=v1&name=pq', readFileSync(pq), 'application/vnd.apache.parquet')).body).toMatchObject({ rows: 40 });
    const arrow = tableToIPC(tableFromArrays({ amount: Float64Array.from({ length: 30 }, (_, i) => i), country: Array.from({ length: 30 }, () => 'US') }), 'stream');
    expect((await upload('model=fraud&version=v1&name=arrow&format=arrow', Buffer.from(arrow))).body).toMatchObject({ rows: 30 });
    spoolEmpty();
  });

  it('refuses an unknown content-type without format= (415)', async () => {
    const r = await upload('model=m&version=v1', csv(5), 'application/x-unknown');
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ code: 'DW_BASELINE_UPLOAD' });
  });

  it('refuses a body over the cap by its Content-Length, before reading it (413)', async () => {
    const r = await upload('model=m&version=v1&format=csv', 'x'.repeat(MAX + 1));
    expect(r.status).toBe(413);
    spoolEmpty();
  });

  it('refuses a streamed body once it passes the cap, and keeps memory bounded (2 GB of zeros as Parquet)', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let sent = 0;
    const chunk = new Uint8Array(1024 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 2 * 1024 * 1024 * 1024) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const status = await fetch(`${api.base}/v1/baselines?model=m&version=v1&format=parquet`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit).then(
      (r) => r.status,
      () => 'aborted',
    );
    clearInterval(timer);
    expect([413, 'aborted']).toContain(status);
    expect(sent).toBeLessThan(1024 * 1024 * 1024);
    expect(peak - before).toBeLessThan(512 * 1024 * 1024);
    spoolEmpty();
  });

  it('refuses zeros as text at the first chunk (the sparse-file case)', async () => {
    const r = await upload('model=m&version=v1', new Uint8Array(64 * 1024), 'text/csv');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'DW_BASELINE_UPLOAD', error: expect.stringMatching(/NUL/) });
    spoolEmpty();
  });

  it.each([
    ['text/csv', `a,b\n1,${SECRET},3,4,5\n`],
    ['application/x-ndjson', `{"a": "${SECRET}"\n{not json ${SECRET}}`],
    ['application/vnd.apache.parquet', `PAR1${SECRET}PAR1`],
    ['application/vnd.apache.arrow.stream', `${SECRET}`],
  ])('an unparsable %s body is refused without echoing it', async (type, body) => {
    const r = await upload('model=m&version=v1', body, type);
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('dw-secret');
    spoolEmpty();
  });

  it('refuses an empty body', async () => {
    expect((await upload('model=m&version=v1', '', 'text/csv')).status).toBe(400);
  });
});

describe('server-side paths', () => {
  it('imports a file inside import_dir', async () => {
    const r = await fromPath(join(importDir, 'train.csv'));
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ rows: 200, path: join(importDir, 'train.csv') });
    spoolEmpty();
  });

  it.each([
    ['a file outside', () => join(outside, 'secret.csv')],
    ['/etc/passwd', () => '/etc/passwd'],
    ['/tmp/../etc/passwd', () => '/tmp/../etc/passwd'],
    ['.. out of import_dir', () => `${importDir}/../outside/secret.csv`],
    ['a symlink inside pointing outside', () => join(importDir, 'link.csv')],
    ['a path through a symlinked directory', () => join(importDir, 'linkdir', 'secret.csv')],
    ['a directory', () => join(importDir, 'sub.csv')],
    ['a FIFO (would block a reader)', () => join(importDir, 'fifo.csv')],
    ['a missing file', () => join(importDir, 'nope.csv')],
    ['the import dir itself', () => importDir],
    ['a relative path', () => 'train.csv'],
  ])('refuses %s with 400, echoing nothing of it', async (_, p) => {
    const r = await fromPath(p(), 'csv');
    expect(r.status, r.text).toBe(400);
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain('root:');
    spoolEmpty();
  });

  it('a file inside import_dir that does not parse is refused without its bytes', async () => {
    const r = await fromPath(join(importDir, 'broken.parquet'));
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(SECRET);
    spoolEmpty();
  });

  it('the 2 GB sparse file is refused by size, without reading it', async () => {
    const r = await fromPath(join(importDir, 'sparse.csv'));
    expect(r.status).toBe(413);
    spoolEmpty();
  });

  it('with no import_dir configured every server-side path is refused', async () => {
    const other = await startTestServer((r) => addBaselineRoutes(r, () => store, { tmpDir: spoolDir }));
    try {
      const r = await fetch(`${other.base}/v1/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', version: 'v1', path: join(importDir, 'train.csv') }) });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'DW_BASELINE_PATH', error: expect.stringMatching(/upload the dataset/) });
    } finally {
      await other.stop();
    }
  });
});

describe('GET /v1/baselines', () => {
  it('is paginated with limit, offset and next_offset', async () => {
    for (const name of ['a', 'b', 'c']) expect((await upload(`model=pages&version=v1&name=${name}`, csv(10), 'text/csv')).status).toBe(201);
    const all = (await (await fetch(`${api.base}/v1/baselines?limit=1000`)).json()) as { baselines: unknown[]; next_offset: number | null };
    const n = all.baselines.length;
    expect(all.next_offset).toBeNull();
    const first = (await (await fetch(`${api.base}/v1/baselines?limit=2`)).json()) as { baselines: unknown[]; next_offset: number | null; limit: number; offset: number };
    expect(first).toMatchObject({ limit: 2, offset: 0, next_offset: 2 });
    expect(first.baselines).toHaveLength(2);
    let seen = 0;
    for (let offset: number | null = 0; offset !== null; ) {
      const p = (await (await fetch(`${api.base}/v1/baselines?limit=2&offset=${offset}`)).json()) as { baselines: unknown[]; next_offset: number | null };
      seen += p.baselines.length;
      offset = p.next_offset;
    }
    expect(seen).toBe(n);
    expect((await fetch(`${api.base}/v1/baselines?limit=0`)).status).toBe(400);
  });
});

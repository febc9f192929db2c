// The README's HTTP ingest examples run as written (with the test server's
// port), against the real ingest and engine: the first stores the events,
// the second (an Idempotency-Key) finds them all stored already.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../src/http/server.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { openTestStore } from '../../helpers/store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

const run = promisify(execFile);
const README = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

function examples(): string[] {
  const m = /<!-- http-ingest-examples:begin -->([\s\S]*?)<!-- http-ingest-examples:end -->/.exec(README);
  if (!m) throw new Error('README: no http-ingest-examples block');
  return m[1]!.split('\n').filter((l) => l.startsWith('curl '));
}

describe('README: HTTP ingest examples', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness;
  let server: HttpServer;
  const cwd = tempDir('dw-readme-http-');

  beforeAll(async () => {
    opened = await openTestStore();
    harness = await startIngest({ store: opened.store });
    server = new HttpServer({ host: '127.0.0.1', port: 0, router: harness.router, registry: harness.registry, logger: silentLogger, readiness: () => ({ ready: true, checks: {} }) });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await harness.stop();
    await opened.cleanup();
    cwd.remove();
  });

  it('runs each curl line', async () => {
    const lines = examples();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const now = Date.now();
    writeFileSync(join(cwd.path, 'events.ndjson'), Array.from({ length: 25 }, (_, i) => JSON.stringify({ ...predictionEvent(i, { prefix: 'readme' }), ts: new Date(now - i).toISOString() })).join('\n') + '\n');
    const answers: unknown[] = [];
    for (const line of lines) {
      const { stdout } = await run('bash', ['-c', line.replace('localhost:8080', `127.0.0.1:${server.port}`)], { cwd: cwd.path });
      answers.push(JSON.parse(stdout));
    }
    expect(answers[0]).toEqual({ accepted: 25, stored: true, duplicates: 0 });
    expect(answers[1]).toEqual({ accepted: 25, stored: true, duplicates: 25 });
    expect(await countRows(opened.store, "SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'readme-')")).toBe(25);
  });
});

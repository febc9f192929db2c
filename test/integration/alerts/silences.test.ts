// Silences end to end: the HTTP API (create, list, get, expire, validation),
// /v1/alerts showing what a silence mutes, and the `silences` CLI both with
// the store to itself and through a running daemon that holds it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingComponent } from '../../../alerts/component.ts';
import { alertsSchema } from '../../../alerts/config.ts';
import { registerAlertRoutes } from '../../../alerts/http.ts';
import { HttpServer } from '../../../src/http/server.ts';
import { Router } from '../../../src/core/http/router.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { run } from '../../alerts/helpers.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');

function node(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('silences over HTTP', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let alerting: AlertingComponent;
  let http: HttpServer;
  let base: string;

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore());
    const config = alertsSchema.parse({ rules: [{ name: 'drift', match: { metric: 'psi' }, thresholds: { critical: 0.25 } }] });
    alerting = new AlertingComponent({ config, store: () => store, logger: silentLogger, registry: createRegistry({ defaultMetrics: false }) });
    await alerting.start();
    const router = new Router();
    registerAlertRoutes(router, alerting);
    http = new HttpServer({ host: '127.0.0.1', port: 0, router, registry: createRegistry({ defaultMetrics: false }), logger: silentLogger, readiness: () => ({ ready: true, checks: {} }) });
    await http.start();
    base = `http://127.0.0.1:${http.port}`;
  });
  afterAll(async () => {
    await http.stop();
    await alerting.stop(AbortSignal.timeout(2000));
    await cleanup();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loose JSON for terse assertions
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  it('creates, lists, gets and expires a silence; /v1/alerts says what it mutes', async () => {
    await alerting.evaluate(run([{ value: 0.3, feature: 'amount' }, { value: 0.3, feature: 'zip' }]));
    const created = await call('POST', '/v1/silences', { matchers: ['feature="amount"', { name: 'model', value: 'fr.*', isRegex: true }], duration: '1h', created_by: 'alice', comment: 'INC-7' });
    expect(created.status).toBe(201);
    const s = created.body.silence;
    expect(s).toMatchObject({ status: { state: 'active' }, created_by: 'alice', comment: 'INC-7', matchers: [{ text: 'feature="amount"' }, { text: 'model=~"fr.*"' }] });
    expect((await call('GET', '/v1/silences')).body.silences.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await call('GET', `/v1/silences/${s.id}`)).body.silence.id).toBe(s.id);
    const alerts = (await call('GET', '/v1/alerts?state=firing')).body.alerts as Array<{ labels: Record<string, string>; status: { silenced_by: string[] } }>;
    expect(alerts.map((a) => [a.labels.feature, a.status.silenced_by]).sort()).toEqual([
      ['amount', [s.id]],
      ['zip', []],
    ]);
    const expired = await call('DELETE', `/v1/silences/${s.id}`);
    expect(expired).toMatchObject({ status: 200, body: { silence: { id: s.id, status: { state: 'expired' } } } });
    expect((await call('GET', '/v1/silences?state=active')).body.silences).toEqual([]);
    expect((await call('GET', '/v1/silences?state=expired')).body.silences).toHaveLength(1);
  });

  it('answers 400 with every problem, 404 for an unknown id', async () => {
    const bad = await call('POST', '/v1/silences', { matchers: ['model=~".*"'], duration: 'soon', created_by: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.code).toBe('DW_ALERT_SILENCE_INVALID');
    expect(bad.body.details.problems).toEqual(
      expect.arrayContaining(['duration: must be a duration like 500ms, 30s, 5m, 1h or 7d', 'created_by: required: who creates the silence', 'comment: Invalid input: expected string, received undefined']),
    );
    expect((await call('DELETE', '/v1/silences/nope')).status).toBe(404);
    expect((await call('GET', '/v1/silences/nope')).status).toBe(404);
    expect((await call('GET', '/v1/silences?state=weird')).status).toBe(400);
  });

  it('lists page with limit and offset, newest first, next_offset null on the last page', async () => {
    for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/silences', { matchers: [`feature="f${i}"`], duration: '1h', created_by: 'pager', comment: `page ${i}` })).status).toBe(201);
    const all = (await call('GET', '/v1/silences?state=active&limit=1000')).body as { silences: Array<{ id: string }>; next_offset: number | null };
    expect(all.silences.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const p = (await call('GET', `/v1/silences?state=active&limit=2&offset=${offset}`)).body as { silences: Array<{ id: string }>; limit: number; offset: number; next_offset: number | null };
      expect(p).toMatchObject({ limit: 2, offset });
      seen.push(...p.silences.map((x) => x.id));
      offset = p.next_offset;
    }
    expect(seen).toEqual(all.silences.map((x) => x.id));
    const bad = await call('GET', '/v1/silences?limit=5000&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([expect.stringMatching(/^limit: /), 'colour: unknown key']));
  });
});

describe('silences CLI', () => {
  it('without a daemon: add, list, expire against the store; exit codes', async () => {
    const dir = tempDir('dw-sil-cli-');
    try {
      const cfg = join(dir.path, 'dw.yaml');
      writeFileSync(cfg, `data_dir: ${dir.path}\nkafka:\n  enabled: false\n`);
      const add = await node('silences-cli.ts', ['silences', 'add', 'model="fraud"', 'feature=~"amount|zip"', '--duration', '2h', '--author', 'bob', '--comment', 'INC-9', '-c', cfg]);
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const id = add.stdout.trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const list = await node('silences-cli.ts', ['silences', 'list', '-c', cfg]);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`${id}\\s+active\\s+model="fraud" feature=~"amount\\|zip"`));
      expect(list.stdout).toContain('bob');
      const exp = await node('silences-cli.ts', ['silences', 'expire', id, 'no-such-id', '-c', cfg]);
      expect(exp.stdout).toBe(`expired ${id}\n`);
      expect(exp.stderr).toContain('DW_ALERT_SILENCE_NOT_FOUND: no silence with id no-such-id');
      expect(exp.code).toBe(2);
      const json = await node('silences-cli.ts', ['silences', 'list', '--state', 'expired', '--format', 'json', '-c', cfg]);
      expect(JSON.parse(json.stdout)).toMatchObject([{ id, status: { state: 'expired' }, created_by: 'bob', comment: 'INC-9' }]);
      const noComment = await node('silences-cli.ts', ['silences', 'add', 'model="x"', '--duration', '1h', '-c', cfg]);
      expect(noComment).toMatchObject({ code: 2, stderr: expect.stringContaining('DW_USAGE: --comment is required') });
      const badMatcher = await node('silences-cli.ts', ['silences', 'add', 'model', '--duration', '1h', '--comment', 'x', '-c', cfg]);
      expect(badMatcher).toMatchObject({ code: 2, stderr: expect.stringContaining('DW_ALERT_SILENCE_INVALID') });
    } finally {
      dir.remove();
    }
  });

  it('through a running daemon that holds the embedded store', async () => {
    const dir = tempDir('dw-sil-daemon-');
    const cfg = join(dir.path, 'dw.yaml');
    writeFileSync(cfg, `data_dir: ${dir.path}\nkafka:\n  enabled: false\nalerts:\n  rules: []\n`);
    const daemon = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'alerting-daemon.ts')], { env: { ...process.env, DW_CONFIG: cfg }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((res, rej) => {
        let out = '';
        daemon.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /READY (\d+)/.exec(out);
          if (m) res(Number(m[1]));
        });
        daemon.on('exit', (code) => rej(new Error(`daemon exited ${code}`)));
      });
      const add = await node('silences-cli.ts', ['silences', 'add', 'model="fraud"', '--duration', '1h', '--comment', 'via daemon', '-c', cfg]);
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const id = add.stdout.trim();
      // The daemon itself knows the silence: it was created through its API.
      const r = (await (await fetch(`http://127.0.0.1:${port}/v1/silences`)).json()) as { silences: Array<{ id: string; comment: string }> };
      expect(r.silences).toEqual([expect.objectContaining({ id, comment: 'via daemon' })]);
      const list = await node('silences-cli.ts', ['silences', 'list', '-c', cfg]);
      expect(list.stdout).toContain(id);
      const exp = await node('silences-cli.ts', ['silences', 'expire', id, '-c', cfg]);
      expect(exp).toMatchObject({ code: 0, stdout: `expired ${id}\n` });
      const missing = await node('silences-cli.ts', ['silences', 'expire', 'nope', '-c', cfg]);
      expect(missing.code).toBe(2);
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
      dir.remove();
    }
  });
});

// The README's canary rollback, end to end on real drift scores: the daemon
// runs with the README's detectors block (fraud-drift against the previous
// window, canary-vs-champion against v11) and its Rules and Actions blocks
// (only the deploy hook's host rewritten to a loopback receiver). A champion
// (v11) and a drifted canary (v12, tags.deployment = canary) are logged over
// HTTP for two hours; the detectors run hour by hour; the rule
// `match: { metric: psi, tags: { deployment: canary } }` fires on the canary's
// drift scores at the second breaching window, and the deploy hook receives
// one rollback, signed (checked with the README's own verify function),
// naming v11, the last version with a healthy record, in the documented
// shape. Then the README's silence CLI lines run against this daemon.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traffic } from '../../src/demo/traffic.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { captureLogger, startReceiver, waitUntil, type Receiver } from '../alerts/helpers.ts';
import { block, blocksIn, mergeConfig, README, rewrite, yamlOf } from './readme.ts';
import { cliOnPath, postEvents, sh, startDaemon, type RunningDaemon } from './daemon.ts';

const H = 3_600_000;
const SECRET = 'whsec_' + Buffer.from('readme canary rollback key, 32b!').toString('base64');
const dir = tempDir('dw-readme-canary-');
const log = captureLogger('info');
let deploy: Receiver;
let daemon: RunningDaemon;
let raw: Record<string, unknown>;
// The two complete hours before the current one.
const END = Math.floor(Date.now() / H) * H;
const WINDOWS = [END - H, END].map((end) => ({ start: end - H, end }));

beforeAll(async () => {
  process.env.ROLLBACK_WEBHOOK_SECRET = SECRET;
  deploy = await startReceiver(() => ({ status: 204, body: '' }));
  const texts = [block('yaml', 'Drift detectors'), block('yaml', 'Rules'), block('yaml', 'Actions: retrain and rollback webhooks')].map((b) =>
    b.text.includes('https://deploy.internal/hooks/rollback') ? rewrite(b.text, [['https://deploy.internal/hooks/rollback', `${deploy.url}/hooks/rollback`]]) : b.text,
  );
  raw = texts.reduce((acc, t) => mergeConfig(acc, yamlOf(t)), {
    data_dir: join(dir.path, 'data'),
    http: { port: 0 },
    kafka: { enabled: false },
    // Detectors run when the test says (driftwatch detect --once does the same); no cron tick in between.
    scheduler: { enabled: false },
    log: { level: 'warn' },
  } as Record<string, unknown>);
  writeFileSync(join(dir.path, 'driftwatch.yaml'), JSON.stringify(raw, null, 2));
  daemon = await startDaemon(raw, log.logger);
  for (const [i, w] of WINDOWS.entries()) {
    await postEvents(daemon.base, traffic({ version: 'v11', drift: 0, seed: 10 + i, startMs: w.start, endMs: w.end, count: 3000, idPrefix: `v11-${i}`, deployment: 'champion' }));
    await postEvents(daemon.base, traffic({ version: 'v12', drift: 1, seed: 20 + i, startMs: w.start, endMs: w.end, count: 3000, idPrefix: `v12-${i}`, deployment: 'canary' }));
  }
});

afterAll(async () => {
  await daemon?.stop();
  await deploy?.close();
  dir.remove();
});

const get = async (path: string) => (await fetch(daemon.base + path)).json() as Promise<Record<string, unknown>>;
type AlertJson = { rule: string; state: string; labels: Record<string, string>; status: { silenced_by: string[] }; actions: Array<Record<string, unknown>> };
const canaryAlerts = async () => ((await get('/v1/alerts?limit=1000')).alerts as AlertJson[]).filter((a) => a.rule === 'canary-drift' && a.labels.detector === 'canary-vs-champion');

describe('the README canary rollback on real drift scores', () => {
  it('first drifted window: the canary-drift alert is pending, nothing is sent', { timeout: 240_000 }, async () => {
    const runs = await daemon.app.scheduler.runOnce({ windowEnd: new Date(WINDOWS[0]!.end) });
    expect(runs.map((r) => [r.detector, r.status])).toEqual([
      ['fraud-drift', 'ok'],
      ['canary-vs-champion', 'ok'],
      ['fraud-ops', 'ok'],
      ['fraud-quality', 'ok'],
    ]);
    const pending = await canaryAlerts();
    expect(pending.length).toBeGreaterThan(0);
    expect(new Set(pending.map((a) => a.state))).toEqual(new Set(['pending']));
    expect(pending.find((a) => a.labels.feature === 'amount')?.labels).toMatchObject({ version: 'v12', deployment: 'canary', metric: 'psi' });
    // The scores behind it are drift scores carrying the canary's deployment tag.
    const [tagged] = await daemon.app.storeComponent.store.query<{ n: string }>(
      `SELECT count() AS n FROM drift_scores WHERE detector = 'canary-vs-champion' AND model_version = 'v12' AND metric = 'psi' AND tags['deployment'] = 'canary'`,
    );
    expect(Number(tagged?.n)).toBeGreaterThan(10);
  });

  it('second drifted window: it fires and the deploy hook gets one signed rollback to v11, in the documented shape', { timeout: 240_000 }, async () => {
    await daemon.app.scheduler.runOnce({ windowEnd: new Date(WINDOWS[1]!.end) });
    const firing = (await canaryAlerts()).filter((a) => a.state === 'firing');
    expect(firing.length).toBeGreaterThan(0);
    await waitUntil(() => deploy.requests.length >= 1, 15_000, 'the rollback webhook');
    await new Promise((r) => setTimeout(r, 1500));
    // One per model within the cooldown, however many canary alerts fired together.
    expect(deploy.requests).toHaveLength(1);
    const req = deploy.requests[0]!;
    expect(req.path).toBe('/hooks/rollback');

    // The README's receiver-side verify function accepts it.
    const js = block('js', 'Actions: retrain and rollback webhooks').text;
    const verifyFile = join(dir.path, 'verify.mjs');
    writeFileSync(verifyFile, `${js}\nexport { verify };\n`);
    const { verify } = (await import(verifyFile)) as { verify: (secret: string, headers: Record<string, unknown>, body: string) => boolean };
    expect(verify(SECRET, req.headers, req.body)).toBe(true);
    expect(verify(SECRET, req.headers, req.body.replace('v11', 'v10'))).toBe(false);

    const body = req.json as Record<string, unknown> & { alert: Record<string, unknown> & { labels: Record<string, string> }; reasons: Array<Record<string, unknown>> };
    expect(body).toMatchObject({ type: 'rollback', action: 'rollback-fraud', dry_run: false, model: 'fraud', current_version: 'v12', target_version: 'v11', id: req.headers['webhook-id'] });
    expect(body.alert).toMatchObject({ rule: 'canary-drift', severity: 'critical' });
    expect(body.alert.labels).toMatchObject({ alertname: 'canary-drift', model: 'fraud', version: 'v12', metric: 'psi', detector: 'canary-vs-champion', deployment: 'canary' });
    // Same keys as the README's example payload, at every level.
    const example = JSON.parse(README.slice(README.indexOf('{\n  "type": "rollback"'), README.indexOf('\n}\n```', README.indexOf('{\n  "type": "rollback"')) + 2)) as typeof body;
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(body)).toEqual(keys(example));
    expect(keys(body.alert)).toEqual(keys(example.alert));
    expect(keys(body.reasons[0]!)).toEqual(keys(example.reasons[0]!));
    // Two breaching windows, two reasons; each one's SQL finds its score row.
    expect(body.reasons).toHaveLength(2);
    for (const reason of body.reasons) {
      const rows = await daemon.app.storeComponent.store.query<{ value: number }>(String(reason.sql), { params: reason.params as Record<string, string> });
      expect(rows.map((r) => r.value)).toEqual([reason.value]);
      expect(reason.value as number).toBeGreaterThan(0.25);
    }
    // Each alert records what its action did: the one that went out, the others held by the cooldown.
    const outcomes = firing.map((a) => a.actions.map((x) => x.outcome).join());
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(1);
    expect(outcomes.every((o) => o === 'queued' || o === 'cooldown')).toBe(true);
    const queued = firing.find((a) => a.actions[0]?.outcome === 'queued')!;
    expect(queued.actions).toEqual([expect.objectContaining({ action: 'rollback-fraud', type: 'rollback', outcome: 'queued', target_version: 'v11', webhook_id: req.headers['webhook-id'] })]);
  });

  it('/v1/alerts pages with limit and offset', async () => {
    const all = (await get('/v1/alerts?limit=1000')) as { alerts: Array<{ fingerprint: string }>; next_offset: number | null };
    expect(all.alerts.length).toBeGreaterThan(2);
    expect(all.next_offset).toBeNull();
    const first = (await get('/v1/alerts?limit=2')) as typeof all & { limit: number; offset: number };
    expect(first).toMatchObject({ limit: 2, offset: 0, next_offset: 2 });
    const rest: string[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const p = (await get(`/v1/alerts?limit=2&offset=${offset}`)) as typeof all;
      rest.push(...p.alerts.map((a) => a.fingerprint));
      offset = p.next_offset;
    }
    expect(rest).toEqual(all.alerts.map((a) => a.fingerprint));
    expect((await fetch(`${daemon.base}/v1/alerts?limit=0`)).status).toBe(400);
  });

  it("the README's silence CLI lines, through this daemon: add, list, expire", { timeout: 120_000 }, async () => {
    const lines = blocksIn('sh', 'Silences')[0]!.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    // Optional parts in [brackets] are left out, then given once.
    const plain = (l: string) => l.replace(/\s*\[[^\]]*\]/g, '');
    const env = { ...process.env, PATH: `${cliOnPath(dir.path)}:${process.env.PATH}`, DRIFTWATCH_CONFIG: undefined };
    const run = async (cmd: string) => {
      const r = await sh(cmd, { cwd: dir.path, env });
      expect(r.code, `${cmd}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const id = (await run(plain(lines[0]!))).trim();
    const byAlice = (await run(`${plain(lines[0]!)} --author alice`)).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await run(plain(lines[1]!))).toContain(id);
    const listed = JSON.parse(await run(`${plain(lines[1]!)} --state active --format json`)) as Array<{ id: string; created_by: string }>;
    expect(listed.map((s) => s.id).sort()).toEqual([id, byAlice].sort());
    expect(listed.find((s) => s.id === byAlice)?.created_by).toBe('alice');
    // The silence mutes fraud's amount and country alerts, not the others.
    const alerts = (await get('/v1/alerts?limit=1000')).alerts as AlertJson[];
    const silenced = (f: string) => alerts.filter((a) => a.labels.feature === f).every((a) => a.status.silenced_by.includes(id));
    expect(silenced('amount')).toBe(true);
    expect(alerts.filter((a) => a.labels.feature && !['amount', 'country'].includes(a.labels.feature)).every((a) => a.status.silenced_by.length === 0)).toBe(true);
    expect(await run(lines[2]!.replace('<id>...', `${id} ${byAlice}`))).toBe(`expired ${id}\nexpired ${byAlice}\n`);
    expect(JSON.parse(await run(`${plain(lines[1]!)} --state active --format json`))).toEqual([]);
  });
});

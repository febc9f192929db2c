// Dashboard on a day of 10M predictions: generates the day inside the
// embedded engine through the real tables (INSERT ... SELECT from numbers()
// into predictions; the materialized view fills feature_values), scores it
// with a real drift detector (hourly windows, backfilled), then times each of
// the page's API calls and a page load in Chromium (Debian's, through
// playwright-core). Prints figures; asserts nothing.
//   npm run bench:dashboard [-- --rows 10000000] [--scored-hours 8] [--keep DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/core/log/logger.ts';
import { freePort } from '../testkit/ports.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const ROWS = Number(arg('rows', '10000000'));
const say = (s: string): void => void process.stdout.write(s + '\n');
const H = 3_600_000;

const dir = arg('keep', '') || mkdtempSync(join(tmpdir(), 'dw-bench-dash-'));
const config = parseConfig({
  data_dir: dir,
  http: { port: await freePort() },
  kafka: { enabled: false },
  scheduler: { enabled: false },
  detectors: { jobs: [{ name: 'hourly-drift', window: '1h', delay: '0s', baseline: { type: 'previous' }, metrics: ['features', 'missing'] }] },
});
const app = createApp(config, { logger: silentLogger, exit: () => undefined });
await app.daemon.start();
const store = app.storeComponent.store;
const base = `http://127.0.0.1:${app.http.port}`;
const end = Math.floor(Date.now() / H) * H;
const start = end - 24 * H;

const have = Number((await store.query<{ n: string }>('SELECT count() AS n FROM predictions'))[0]?.n ?? 0);
if (have < ROWS) {
  say(`generating ${ROWS} predictions over ${new Date(start).toISOString()} .. ${new Date(end).toISOString()} (2 models x 2 versions, 8 features; the last 6 hours of fraud/v2 drift on amount)`);
  const t0 = Date.now();
  const CHUNK = 1_000_000;
  // --keep DIR resumes an interrupted generation at the next whole chunk.
  for (let off = Math.floor(have / CHUNK) * CHUNK; off < ROWS; off += CHUNK) {
    const rows = Math.min(CHUNK, ROWS - off);
    await store.command(
      `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, probabilities, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
       SELECT concat('b-', toString(i)) AS event_id,
              fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(i * {span:Int64}, {rows:Int64}))) AS ts,
              if(i % 3 = 0, 'churn', 'fraud') AS model,
              if(model = 'fraud', if(i % 4 = 1, 'v2', 'v1'), if(i % 5 = 0, 'v8', 'v7')) AS model_version,
              if(r1 < 0.1, 'fraud', 'ok') AS prediction, NULL, 0.5 + r1 / 2 AS confidence, map('fraud', r1, 'ok', 1 - r1),
              8 + 30 * r2 * r2 + if(model_version = 'v2', 5, 0) AS latency_ms, if(r3 < 0.004, 'timeout', '') AS error, map('deployment', 'stable'),
              concat('{"amount":', toString(round(exp(4 + 0.8 * (r1 + r2 - 1) * 2.4 + if(model_version = 'v2' AND ts >= fromUnixTimestamp64Milli({drift:Int64}), 1.0, 0)), 2)),
                     ',"age":', toString(20 + (i % 50)), ',"risk":', toString(round(r2, 3)), ',"items":', toString(1 + i % 8),
                     ',"country":"', ['DE', 'FR', 'US', 'GB'][1 + (i % 4)], '","device":"', ['ios', 'android', 'web'][1 + (intDiv(i, 7) % 3)],
                     '","channel":"', ['app', 'web', 'pos'][1 + (intDiv(i, 11) % 3)], '","income":', if(r3 < 0.03, 'null', toString(30 + i % 40)), '}') AS features,
              'bench', '', -1, -1
       FROM (SELECT number + {off:UInt64} AS i, (cityHash64(i, 1) % 1000000) / 1e6 AS r1, (cityHash64(i, 2) % 1000000) / 1e6 AS r2, (cityHash64(i, 3) % 1000000) / 1e6 AS r3
             FROM numbers({rows:UInt64}))`,
      { params: { start, span: end - start, rows: ROWS, off, drift: end - 6 * H }, settings: { max_insert_block_size: 1_048_576 } },
    );
    say(`  ${off + rows} rows, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  say(`generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
// Scores: a real drift detector over hourly windows (the last --scored-hours of the day).
const SCORED = Number(arg('scored-hours', '8'));
const scored = Number((await store.query<{ n: string }>('SELECT count() AS n FROM drift_scores'))[0]?.n ?? 0);
if (scored === 0) {
  const t1 = Date.now();
  const runs = await app.scheduler.backfill({ from: new Date(end - SCORED * H), to: new Date(end) });
  say(`drift detector over ${SCORED} hourly windows: ${runs.length} runs, ${runs.filter((r) => r.status !== 'ok').length} failed, ${((Date.now() - t1) / 1000).toFixed(0)} s`);
}
const sizes = (await store.query<{ p: string; f: string }>('SELECT (SELECT count() FROM predictions) AS p, (SELECT count() FROM feature_values) AS f'))[0];
say(`store: ${sizes?.p} predictions, ${sizes?.f} feature_values rows`);

async function time(path: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = await fetch(base + path);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${path}: ${r.status}`);
    out.push(Math.round(performance.now() - t0));
  }
  return out;
}
const calls = [
  '/v1/dashboard/overview?range=24h',
  '/v1/alerts',
  '/v1/silences',
  '/v1/runs?limit=40',
  '/v1/runs?status=failed&limit=20',
  '/v1/dashboard/timeseries?model=fraud&range=24h',
  '/v1/dashboard/heatmap?model=fraud&version=v2&range=24h',
  '/v1/scores/latest?model=fraud&feature=&limit=1000',
  '/v1/versions/compare?model=fraud&a=v1&b=v2&window=1h',
  '/v1/dashboard/gate?model=fraud&range=24h',
];
say('API calls of one page load (ms, three runs each):');
for (const c of calls) say(`  ${(await time(c)).join(' / ').padEnd(18)} ${c}`);

const profile = mkdtempSync(join(tmpdir(), 'dw-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await page.goto(`${base}/?range=24h&refresh=600000`);
  await page.waitForSelector('#overview table');
  const first = performance.now() - t0;
  await page.waitForSelector('#heatmap .cell');
  const heat = performance.now() - t0;
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 300_000 });
  say(`page load ${i + 1}: overview table ${first.toFixed(0)} ms, heatmap ${heat.toFixed(0)} ms, everything (champion vs canary included) ${(performance.now() - t0).toFixed(0)} ms`);
}
await ctx.close();
rmSync(profile, { recursive: true, force: true });
await app.daemon.stop();
if (!arg('keep', '')) rmSync(dir, { recursive: true, force: true });

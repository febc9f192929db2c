// `npm run bench:scale`: the drift detector over one day as the store grows.
// For each size (default 10M, then 100M predictions x 20 features, or as
// many as generation fits in --budget seconds, said in the output):
//   1. gen (a child process): a fresh data directory, the migrations, then
//      the predictions spread evenly over two days (the baseline day, then
//      the day scored), inserted inside the engine 1M at a time through the
//      real tables, so the materialized view writes 20 feature_values rows
//      per event as it does for the daemon's inserts. It stops at the budget.
//      Reports events/s and disk bytes per event (bytes_on_disk of every
//      active part of the database, after the engine's merges settle).
//   2. run (another child, so its peak RSS is the detector's own): one drift
//      detector run, every feature and metric, over the second day against
//      the first, with a time limit (--detect-timeout).
// Last line: RESULT {"rows", "detect_s", "ingest_ratio_views_on_off",
// "disk_bytes_per_event", ...} for the largest size, plus each size's figures.
// ingest_ratio_views_on_off compares generation with and without rollup
// views; driftwatch has none yet (README "Benchmarks"), so it is null.
//   npx tsx bench/scale.ts [--sizes 10000000,100000000] [--budget 600] [--detect-timeout 1800] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/log/logger.ts';
import { openEmbeddedStore } from '../src/core/store/embedded.ts';
import { migrate } from '../src/core/store/migrate.ts';
import { tempDir } from '../testkit/tmp.ts';
import { insertGenerated, timedDriftRun, twoDays } from './lib/generated-predictions.ts';

const CHUNK = 1_000_000;
/**
 * Generation also stops when the disk holding the data directory has less
 * free space than this: parts merged away stay on disk for the engine's
 * old_parts_lifetime (8 min), so while generating the directory takes up to
 * 4x its settled size.
 */
const MIN_FREE_BYTES = 12 * 1024 ** 3;
const say = (s: string): void => void process.stdout.write(s + '\n');

interface GenResult {
  rows: number;
  seconds: number;
  events_per_s: number;
  disk_bytes_per_event: number;
}

/** Wait until the engine has no merge running (or a minute has passed), so the disk figure and the run see settled parts. */
async function settle(store: Awaited<ReturnType<typeof openEmbeddedStore>>): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const [m] = await store.query<{ n: string }>(`SELECT toString(count()) AS n FROM system.merges WHERE database = currentDatabase()`);
    if (Number(m?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function generate(dir: string, target: number, budgetS: number): Promise<void> {
  const store = await openEmbeddedStore({ path: dir, database: 'driftwatch' });
  await migrate(store, silentLogger);
  const t0 = performance.now();
  let rows = 0;
  // Two days hold `target` events; if the budget ends generation early, the
  // events inserted so far still cover both days (they are taken in an order
  // that strides over the whole span, chunk by chunk: chunk k holds events
  // k, k + chunks, k + 2 * chunks, ... of the span).
  const chunks = Math.ceil(target / CHUNK);
  for (let k = 0; k < chunks; k++) {
    // Events k, k + chunks, ... below target.
    const n = Math.floor((target - 1 - k) / chunks) + 1;
    await insertGenerated(store, { ...twoDays(target), stride: { chunks, index: k } }, 0, n);
    rows += n;
    const s = (performance.now() - t0) / 1000;
    if ((k + 1) % 10 === 0) process.stderr.write(`  ${rows} events in ${s.toFixed(0)} s\n`);
    if (k + 1 === chunks) break;
    if (s > budgetS) {
      process.stderr.write(`  budget of ${budgetS} s reached: ${rows} of ${target} events generated\n`);
      break;
    }
    const fs = statfsSync(dir);
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) {
      process.stderr.write(`  less than ${MIN_FREE_BYTES / 1024 ** 3} GiB of disk left: ${rows} of ${target} events generated\n`);
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await settle(store);
  const [d] = await store.query<{ b: string }>(`SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE database = currentDatabase() AND active`);
  const out: GenResult = { rows, seconds, events_per_s: rows / seconds, disk_bytes_per_event: Number(d?.b ?? 0) / rows };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await store.close();
}

async function runOnce(dir: string): Promise<void> {
  const { seconds, rssMb, rows } = await timedDriftRun(dir);
  const flagged = rows.filter((r) => r.status === 'warn' || r.status === 'alert').length;
  process.stdout.write(`${JSON.stringify({ seconds, rss_mb: rssMb, scores: rows.length, flagged })}\n`);
}

/** Run this file as a child; its last stdout line parsed, or null when it failed or ran out of time. */
function child<T>(args: string[], timeoutS: number): T | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'scale.ts'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0) {
    say(`  ${args[1]} ${r.signal ? `killed (${r.signal}) after ${timeoutS} s` : `failed (exit ${r.status})`}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as T;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      dir: { type: 'string' },
      rows: { type: 'string' },
      sizes: { type: 'string' },
      budget: { type: 'string' },
      'detect-timeout': { type: 'string' },
      keep: { type: 'string' },
    },
  });
  const budget = Number(values.budget ?? 600);
  if (values.phase === 'gen') return generate(values.dir as string, Number(values.rows), budget);
  if (values.phase === 'run') return runOnce(values.dir as string);
  const sizes = (values.sizes ?? '10000000,100000000').split(',').map(Number);
  const detectTimeout = Number(values['detect-timeout'] ?? 1800);
  const result: Record<string, number | null> = {};
  let last: { rows: number; detect_s: number | null; disk: number } | null = null;
  say(`bench:scale: ${sizes.join(', ')} predictions x 20 features over two days, generation budget ${budget} s each; the detector scores the second day`);
  for (const n of sizes) {
    const dir = values.keep ? join(values.keep, String(n)) : tempDir('dw-bench-scale-').path;
    mkdirSync(dir, { recursive: true });
    try {
      const gen = child<GenResult>(['--phase', 'gen', '--dir', dir, '--rows', String(n), '--budget', String(budget)], budget + 900);
      if (!gen) break;
      const label = gen.rows >= 1e6 ? `${Math.round(gen.rows / 1e6)}m` : String(gen.rows);
      say(
        `rows=${gen.rows}${gen.rows < n ? ` (of ${n}: the ${budget} s budget or the disk ended generation, see above)` : ''}: generated at ${Math.round(gen.events_per_s)} events/s, ${gen.disk_bytes_per_event.toFixed(1)} bytes on disk per event`,
      );
      const run = child<{ seconds: number; rss_mb: number; scores: number; flagged: number }>(['--phase', 'run', '--dir', dir], detectTimeout);
      if (run) say(`  one-day detector run over ${Math.round(gen.rows / 2)} predictions: ${run.seconds.toFixed(2)} s, peak RSS ${run.rss_mb.toFixed(0)} MB, ${run.scores} scores, ${run.flagged} flagged`);
      result[`rows_${label}`] = gen.rows;
      result[`detect_${label}_s`] = run ? Number(run.seconds.toFixed(3)) : null;
      result[`detect_${label}_peak_rss_mb`] = run ? Math.round(run.rss_mb) : null;
      result[`generate_${label}_events_per_s`] = Math.round(gen.events_per_s);
      last = { rows: gen.rows, detect_s: run ? Number(run.seconds.toFixed(3)) : null, disk: Number(gen.disk_bytes_per_event.toFixed(1)) };
    } finally {
      if (!values.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  const ratio = last && result[`detect_10m_s`] != null && last.detect_s != null && last.rows > 10_000_000 ? Number((last.detect_s / (result.detect_10m_s as number) / (last.rows / 10_000_000)).toFixed(3)) : null;
  if (ratio !== null) say(`cost per row at ${last!.rows} relative to 10M: ${ratio} (below 1: sub-linear)`);
  say(
    `RESULT ${JSON.stringify({ rows: last?.rows ?? 0, detect_s: last?.detect_s ?? null, ingest_ratio_views_on_off: null, disk_bytes_per_event: last?.disk ?? null, cost_per_row_vs_10m: ratio, ...result })}`,
  );
}

await main();

// `npm run bench:detect`: one drift detector run over all features and
// metrics at 1M, 3M and 10M predictions (20 features: 15 numeric, 3 of them
// drifted, 5 categorical), then `driftwatch compare` on two 1M x 20 CSV files
// and on two 200k x 100 ones (bench/detect-compare.ts; RESULT keys
// compare_1m_s, compare_wide_s and compare_peak_rss_mb).
//   npx tsx bench/detect.ts [--sizes 1000000,3000000,10000000] [--skip-compare]
// N predictions per size are spread evenly over 48 h: the current 24 h window
// holds N/2 and the baseline (the previous 24 h) N/2. Generation runs inside
// the engine (INSERT ... SELECT FROM numbers(); the materialized view fills
// feature_values with N x 20 rows). Each size runs in two child processes: one
// generates into a fresh data directory, one opens it and times the run, so
// the reported peak RSS (getrusage maxrss of the run process, engine included)
// is the detector's own. Last line: RESULT {...}.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/log/logger.ts';
import { openEmbeddedStore } from '../src/core/store/embedded.ts';
import { migrate } from '../src/core/store/migrate.ts';
import { tempDir } from '../testkit/tmp.ts';
import { insertGenerated, timedDriftRun, twoDays } from './lib/generated-predictions.ts';

async function generate(dir: string, rows: number): Promise<void> {
  const store = await openEmbeddedStore({ path: dir, database: 'driftwatch' });
  await migrate(store, silentLogger);
  const t0 = Date.now();
  const chunk = 1_000_000;
  for (let off = 0; off < rows; off += chunk) await insertGenerated(store, twoDays(rows), off, Math.min(chunk, rows - off));
  await store.command('OPTIMIZE TABLE feature_values FINAL').catch(() => undefined);
  process.stderr.write(`generated ${rows} predictions in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  await store.close();
}

async function runOnce(dir: string): Promise<void> {
  const { seconds, rssMb, rows } = await timedDriftRun(dir);
  const flagged = rows.filter((r) => r.status === 'warn' || r.status === 'alert').map((r) => `${r.feature || '-'}:${r.metric}:${r.status}`);
  process.stdout.write(`${JSON.stringify({ seconds, rss_mb: rssMb, scores: rows.length, flagged: flagged.length, sample: flagged.slice(0, 8) })}\n`);
}

function child(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'detect.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed with ${r.status}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { phase: { type: 'string' }, dir: { type: 'string' }, rows: { type: 'string' }, sizes: { type: 'string' }, 'skip-compare': { type: 'boolean' } } });
  if (values.phase === 'gen') return generate(values.dir as string, Number(values.rows));
  if (values.phase === 'run') return runOnce(values.dir as string);
  const sizes = (values.sizes ?? '1000000,3000000,10000000').split(',').map(Number);
  const result: Record<string, number | null> = {};
  let peak = 0;
  for (const n of sizes) {
    const dir = tempDir('dw-bench-detect-');
    try {
      child(['--phase', 'gen', '--dir', dir.path, '--rows', String(n)]);
      const out = JSON.parse(child(['--phase', 'run', '--dir', dir.path]).trim().split('\n').pop() as string) as { seconds: number; rss_mb: number; scores: number; flagged: number };
      process.stdout.write(`rows=${n} (${n / 2} per window x 20 features): ${out.seconds.toFixed(2)} s, peak RSS ${out.rss_mb.toFixed(0)} MB, ${out.scores} scores, ${out.flagged} flagged\n`);
      result[`rows_${n >= 1e6 ? n / 1e6 + 'm' : n}_s`] = Number(out.seconds.toFixed(3));
      peak = Math.max(peak, out.rss_mb);
    } finally {
      rmSync(dir.path, { recursive: true, force: true });
    }
  }
  result.compare_1m_s = null;
  result.compare_wide_s = null;
  result.compare_peak_rss_mb = null;
  if (!values['skip-compare']) {
    // The long shape (1M x 20) and the wide one (200k x 100).
    for (const [args, key] of [[[], 'compare_1m_s'], [['--rows', '200000', '--columns', '100'], 'compare_200000x100_s']] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'detect-compare.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
      process.stdout.write(r.stdout.split('\n').filter((l) => l && !l.startsWith('RESULT')).map((l) => `compare: ${l}\n`).join(''));
      const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
      if (!line) continue;
      const got = JSON.parse(line.slice(7)) as Record<string, number | null>;
      result[key === 'compare_1m_s' ? 'compare_1m_s' : 'compare_wide_s'] = got[key] ?? null;
      if (got.peak_rss_mb != null) result.compare_peak_rss_mb = Math.max(result.compare_peak_rss_mb ?? 0, got.peak_rss_mb);
    }
  }
  result.peak_rss_mb = Math.round(peak);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();

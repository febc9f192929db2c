// Times `driftwatch compare` on two generated CSV files (default 1M rows x 20
// columns: 15 numeric of three shapes (normal, log-normal, integer-valued with
// many ties), 3 of them drifted; 5 categorical, one drifted and one with a new
// category; 1-8% missing values written as "" and "NA"). `--columns 100`
// (three quarters numeric, a quarter categorical, the same shapes repeated)
// is the wide shape, 200k x 100 in bench:detect.
//   npx tsx bench/detect-compare.ts [--rows 1000000] [--columns 20] [--keep DIR] [--runs 3] [--cli bin/driftwatch.mjs]
// --keep DIR reuses (or writes) the generated files there. Prints the seconds
// and peak RSS (of the compare process, engine included, from /usr/bin/time
// when installed) of each run and, last,
// `RESULT {"compare_1m_s": <best>, "peak_rss_mb": <largest>, ...}`.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { rng } from '../src/demo/traffic.ts';

function normal(r: () => number): number {
  const u = 1 - r();
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const CATS = [
  ['DE', 'US', 'FR', 'GB', 'ES', 'IT', 'NL', 'PL'],
  ['ios', 'android', 'web'],
  ['free', 'pro', 'team', 'enterprise'],
  ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'],
  ['yes', 'no'],
];

export async function generateCsv(path: string, rows: number, opts: { drift: boolean; seed: number; columns?: number }): Promise<void> {
  const r = rng(opts.seed);
  const columns = opts.columns ?? 20;
  const NUMERIC = Math.round((columns * 3) / 4);
  const CATEGORICAL = columns - NUMERIC;
  const out = createWriteStream(path);
  const header = [...Array.from({ length: NUMERIC }, (_, i) => `num_${i}`), ...Array.from({ length: CATEGORICAL }, (_, i) => `cat_${i}`)];
  out.write(header.join(',') + '\n');
  let buf: string[] = [];
  for (let row = 0; row < rows; row++) {
    const fields: string[] = [];
    for (let i = 0; i < NUMERIC; i++) {
      // A few missing values everywhere, more in one drifted column.
      const missing = r() < (opts.drift && i === 3 ? 0.08 : 0.01);
      if (missing) {
        fields.push(i % 2 === 0 ? '' : 'NA');
        continue;
      }
      const shift = opts.drift && i < 3 ? 0.3 * (i + 1) : 0;
      let v: number;
      if (i % 3 === 0) v = 100 + 15 * (normal(r) + shift);
      else if (i % 3 === 1) v = Math.exp(normal(r) * 0.5 + shift);
      else v = Math.round(50 + 20 * normal(r) + 10 * shift); // integer-valued, many ties
      fields.push(i % 3 === 2 ? String(v) : v.toFixed(6));
    }
    for (let i = 0; i < CATEGORICAL; i++) {
      if (r() < 0.01) {
        fields.push('');
        continue;
      }
      const cats = CATS[i % CATS.length] as string[];
      let k = Math.floor(r() ** (opts.drift && i === 0 ? 1.6 : 1.2) * cats.length);
      if (opts.drift && i === 1 && r() < 0.02) {
        fields.push('tv');
        continue;
      }
      k = Math.min(k, cats.length - 1);
      fields.push(cats[k] as string);
    }
    buf.push(fields.join(','));
    if (buf.length === 10_000) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
    }
  }
  if (buf.length) out.write(buf.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '1000000' }, columns: { type: 'string', default: '20' }, keep: { type: 'string' }, runs: { type: 'string', default: '3' }, cli: { type: 'string' } },
  });
  const rows = Number(values.rows);
  const columns = Number(values.columns);
  const dir = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'dw-bench-compare-'));
  mkdirSync(dir, { recursive: true });
  const shape = columns === 20 ? `${rows}` : `${rows}x${columns}`;
  const ref = join(dir, `reference-${shape}.csv`);
  const cur = join(dir, `current-${shape}.csv`);
  try {
    if (!existsSync(ref) || !existsSync(cur)) {
      const g0 = Date.now();
      await generateCsv(ref, rows, { drift: false, seed: 1, columns });
      await generateCsv(cur, rows, { drift: true, seed: 2, columns });
      process.stdout.write(`generated 2 x ${rows} rows x ${columns} columns in ${((Date.now() - g0) / 1000).toFixed(1)} s (${dir})\n`);
    }
    const cli = values.cli ? resolve(values.cli) : resolve(import.meta.dirname, '../bin/driftwatch.mjs');
    const times: number[] = [];
    let peakRss: number | null = null;
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
    for (let i = 0; i < Number(values.runs); i++) {
      const args = [cli, 'compare', '--reference', ref, '--current', cur, '--format', 'json', '--output', join(dir, 'report.json')];
      const t0 = process.hrtime.bigint();
      const res = timeBin ? spawnSync(timeBin, ['-f', 'maxrss_kb=%M', process.execPath, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, args, { encoding: 'utf8' });
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (res.status !== 0 && res.status !== 1) throw new Error(`compare exited ${res.status}: ${res.stderr}`);
      const kb = /maxrss_kb=(\d+)/.exec(res.stderr ?? '')?.[1];
      const rss = kb ? Math.round(Number(kb) / 1024) : null;
      if (rss !== null) peakRss = Math.max(peakRss ?? 0, rss);
      times.push(s);
      process.stdout.write(`compare ${rows} rows x ${columns} columns: ${s.toFixed(2)} s, peak RSS ${rss ?? '?'} MB (exit ${res.status})\n`);
    }
    const best = Math.min(...times);
    const key = columns === 20 ? `compare_${rows % 1e6 === 0 ? `${rows / 1e6}m` : rows}_s` : `compare_${rows}x${columns}_s`;
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
    process.stdout.write(`RESULT ${JSON.stringify({ [key]: Number(best.toFixed(3)), median_s: Number(median.toFixed(3)), runs: times.length, peak_rss_mb: peakRss, load_avg_1m: Number(loadavg()[0]?.toFixed(2)) })}\n`);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

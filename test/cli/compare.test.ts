// `driftwatch compare` as a user runs it: exit codes (0 no drift, 1 drift,
// 2 error with a message naming the problem), the three report formats, and
// the four input formats (Parquet and Arrow files written by the engine).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../helpers/store.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { CLI, REPO_ROOT } from '../helpers/cli.ts';

// The CLI entry; overridable to try the command before it is wired into main.ts.
const ENTRY = process.env.DRIFTWATCH_CLI ? resolve(process.env.DRIFTWATCH_CLI) : CLI;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [ENTRY, 'compare', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const dir = tempDir('dw-cli-compare-');
const p = (name: string): string => join(dir.path, name);

function writeCsv(name: string, n: number, shift: number): void {
  const lines = ['amount,country,clicks'];
  for (let i = 0; i < n; i++) lines.push(`${(((i * 7919) % 1000) / 10 + shift).toFixed(2)},${['DE', 'FR', 'US'][i % 3]},${i % 7 === 0 ? 'NA' : i % 5}`);
  writeFileSync(p(name), lines.join('\n') + '\n');
}

beforeAll(async () => {
  writeCsv('ref.csv', 2000, 0);
  writeCsv('same.csv', 1500, 0);
  writeCsv('shifted.csv', 1500, 30);
  // JSONL, Parquet and Arrow versions of the same data, written by the engine itself.
  const { store, cleanup } = await openTestStore({ migrate: false });
  try {
    for (const [base, fmt, ext] of [
      ['ref', 'JSONEachRow', 'jsonl'],
      ['shifted', 'JSONEachRow', 'jsonl'],
      ['ref', 'Parquet', 'parquet'],
      ['shifted', 'Parquet', 'parquet'],
      ['ref', 'Arrow', 'arrow'],
      ['shifted', 'Arrow', 'arrow'],
    ] as const) {
      await store.command(
        `INSERT INTO FUNCTION file({out:String}, {fmt:String}) SELECT toFloat64(amount) AS amount, country, toInt64OrNull(clicks) AS clicks ` +
          `FROM file({src:String}, 'CSVWithNames', 'amount String, country String, clicks String') SETTINGS engine_file_truncate_on_insert = 1`,
        { params: { out: p(`${base}.${ext}`), fmt, src: p(`${base}.csv`) } },
      );
    }
  } finally {
    await cleanup();
  }
}, 120_000);
afterAll(() => dir.remove());

describe('driftwatch compare', () => {
  it('exits 0 with a table when nothing drifted', async () => {
    const r = await run(['--reference', p('ref.csv'), '--current', p('same.csv')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/amount\s+numeric/);
    expect(r.stdout).toContain('no drift in 3 features');
  });

  it('exits 1 with the report shape in JSON when a feature drifted', async () => {
    const r = await run(['--reference', p('ref.csv'), '--current', p('shifted.csv'), '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['reference', 'current', 'schema', 'features', 'drifted']));
    expect(report.drifted).toEqual(['amount']);
    const amount = (report.features as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(Object.keys(amount)).toEqual(
      expect.arrayContaining(['name', 'type', 'n_ref', 'n_cur', 'missing_ref', 'missing_cur', 'psi', 'js', 'severity', 'wasserstein', 'ks', 'bin_edges']),
    );
  });

  it('writes a self-contained HTML report to --output and a summary to stderr', async () => {
    const out = p('report.html');
    const r = await run(['--reference', p('ref.csv'), '--current', p('shifted.csv'), '--format', 'html', '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/drift in 1 of 3 features: amount; report written to/);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/<script/i);
  });

  for (const ext of ['jsonl', 'parquet', 'arrow']) {
    it(`reads ${ext} files and reports what the CSV files give`, async () => {
      const fromCsv = JSON.parse((await run(['--reference', p('ref.csv'), '--current', p('shifted.csv'), '--format', 'json'])).stdout) as { features: Array<Record<string, unknown>>; drifted: string[] };
      const r = await run(['--reference', p(`ref.${ext}`), '--current', p(`shifted.${ext}`), '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as typeof fromCsv;
      expect(report.drifted).toEqual(fromCsv.drifted);
      expect(report.features.map((f) => [f.name, f.type, f.n_ref, f.n_cur, f.psi])).toEqual(fromCsv.features.map((f) => [f.name, f.type, f.n_ref, f.n_cur, f.psi]));
    });
  }

  it('applies threshold flags and --categorical', async () => {
    const r = await run(['--reference', p('ref.csv'), '--current', p('same.csv'), '--format', 'json', '--psi-warn', '0', '--psi-alert', '0', '--categorical', 'clicks']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { features: Array<{ name: string; type: string; severity: string }>; thresholds: Record<string, number> };
    expect(report.features.find((f) => f.name === 'clicks')?.type).toBe('categorical');
    expect(report.features.every((f) => f.severity === 'alert')).toBe(true);
    expect(report.thresholds.psiAlert).toBe(0);
  });

  it('exits 2 and names the problem: unreadable file, empty file, no common column, bad flags', async () => {
    writeFileSync(p('empty.csv'), '');
    writeFileSync(p('other.csv'), 'x,y\n1,2\n');
    const cases: Array<[string[], RegExp]> = [
      [['--reference', p('missing.csv'), '--current', p('ref.csv')], /cannot read reference file .*missing\.csv: no such file/],
      [['--reference', p('ref.csv'), '--current', p('empty.csv')], /current file .*empty\.csv is empty/],
      [['--reference', p('ref.csv'), '--current', p('other.csv')], /no common column/],
      [['--reference', p('ref.csv'), '--current', p('same.csv'), '--psi-warn', 'lots'], /--psi-warn wants a non-negative number/],
      [['--reference', p('ref.csv'), '--current', p('same.csv'), '--psi-warn', '0.5', '--psi-alert', '0.2'], /psi warn threshold 0.5 is above the alert threshold 0.2/],
      [['--reference', p('ref.csv')], /required option '--current <file>' not specified/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(p('report.json'))).toBe(false);
  });

  it('has help text for every option', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--reference', '--current', '--format', '--input-format', '--categorical', '--psi-warn', '--psi-alert', '--missing-warn', '--missing-alert', '--output', '--exact-limit']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

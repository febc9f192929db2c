// `compareFiles` end to end on the engine: typing and missing values, schema
// differences, degenerate columns, every input format, the errors a user can
// cause, and agreement with the in-memory reference implementation.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareFiles } from '../../../detectors/compare/run.ts';
import { compareInMemory } from '../../../detectors/report/in-memory.ts';
import type { CategoricalFeatureReport, CompareReport, NumericFeatureReport } from '../../../detectors/report/types.ts';
import { isDriftwatchError } from '../../../src/core/errors.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { expectReportsAgree } from '../helpers/agree.ts';
import { readCsvTable } from '../helpers/csv.ts';

let store: Store;
let cleanup: () => Promise<void>;
const dir = tempDir('dw-compare-');
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => {
  await cleanup();
  dir.remove();
});

function file(name: string, text: string): string {
  const p = join(dir.path, name);
  writeFileSync(p, text);
  return p;
}

function csv(name: string, header: string[], rows: Array<Array<string | number>>): string {
  return file(name, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

const feature = <T extends NumericFeatureReport | CategoricalFeatureReport>(r: CompareReport, name: string): T => r.features.find((f) => f.name === name) as T;

async function both(refPath: string, curPath: string, categorical: string[] = []): Promise<CompareReport> {
  const engine = await compareFiles(store, { reference: refPath, current: curPath, categorical });
  const memory = compareInMemory(readCsvTable(refPath), readCsvTable(curPath), { categorical });
  expectReportsAgree(engine, memory, 'engine vs in-memory');
  return engine;
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(isDriftwatchError(e), String(e)).toBe(true);
  expect((e as Error).message).toMatch(pattern);
}

describe('values and types', () => {
  it('counts missing tokens in any case, and non-finite numbers in numeric columns', async () => {
    const ref = csv('tok-ref.csv', ['x', 'y', 'z'], [
      ['1', 'a', 'inf'],
      ['NA', '1', '1'],
      ['', 'NA', '2'],
      ['null', 'b', 'inf'],
      ['None', 'a', '3'],
      ['NaN', '', '4'],
      ['inf', 'None', '5'],
      ['-Infinity', 'a', '6'],
      ['2.5', 'c', '-inf'],
    ]);
    const cur = csv('tok-cur.csv', ['x', 'y', 'z'], [
      ['3', 'a', '1'],
      ['nA', 'b', '2'],
      ['4.5', 'd', 'INF'],
    ]);
    const r = await both(ref, cur, ['z']);
    const x = feature<NumericFeatureReport>(r, 'x');
    expect(x.type).toBe('numeric');
    expect([x.n_ref, x.n_cur]).toEqual([2, 2]);
    expect(x.missing_ref).toBeCloseTo(7 / 9, 15);
    const y = feature<CategoricalFeatureReport>(r, 'y');
    expect(y.type).toBe('categorical'); // "a" is not a number, so "1" is a category too
    expect(y.categories).toEqual(['1', 'a', 'b', 'c', 'd']);
    expect(y.new_categories).toEqual(['d']);
    expect(y.missing_ref).toBeCloseTo(3 / 9, 15);
    // forced categorical: infinities are categories, not missing
    const z = feature<CategoricalFeatureReport>(r, 'z');
    expect(z.type).toBe('categorical');
    expect(z.categories).toContain('inf');
    expect(z.missing_ref).toBe(0);
  });

  it('reads numbers around surrounding spaces, keeps categories exactly as written (RFC 4180)', async () => {
    const ref = file('ws-ref.csv', 'n,c\n 1 ,a\n2 , b\n" 3","  c "\n');
    const cur = file('ws-cur.csv', 'n,c\n1,a\n4,b\n');
    const r = await both(ref, cur);
    expect(feature<NumericFeatureReport>(r, 'n')).toMatchObject({ type: 'numeric', n_ref: 3 });
    expect(feature<CategoricalFeatureReport>(r, 'c').categories).toEqual(['  c ', ' b', 'a', 'b']);
  });

  it('reports columns on one side only under schema and compares the rest', async () => {
    const ref = csv('s-ref.csv', ['a', 'b', 'c'], [[1, 2, 3], [4, 5, 6]]);
    const cur = csv('s-cur.csv', ['d', 'c', 'b'], [[1, 2, 3], [4, 5, 6]]);
    const r = await both(ref, cur);
    expect(r.schema).toEqual({ missing_in_current: ['a'], new_in_current: ['d'] });
    expect(r.features.map((f) => f.name)).toEqual(['b', 'c']);
  });

  it('handles a constant feature and a single category', async () => {
    const rows = Array.from({ length: 50 }, () => [5, 'only']);
    const r = await both(csv('k-ref.csv', ['k', 'cat'], rows), csv('k-cur.csv', ['k', 'cat'], rows.slice(0, 20)));
    const k = feature<NumericFeatureReport>(r, 'k');
    expect(k.bin_edges).toEqual([5]);
    expect(k.counts).toEqual({ ref: [50, 0], cur: [20, 0] });
    expect(k.psi).toBe(0);
    expect(k.ks).toEqual({ d: 0, p_value: 1, method: 'exact' });
    expect(k.wasserstein).toBe(0);
    const c = feature<CategoricalFeatureReport>(r, 'cat');
    expect(c.chi2).toEqual({ statistic: 0, p_value: 1, dof: 0 });
    expect(r.drifted).toEqual([]);
  });

  it('gives null statistics when a side has no values, and still judges the missing share', async () => {
    const ref = csv('e-ref.csv', ['v', 'w'], Array.from({ length: 10 }, (_, i) => [i, 'a']));
    const cur = csv('e-cur.csv', ['v', 'w'], Array.from({ length: 10 }, () => ['NA', '']));
    const r = await both(ref, cur);
    const v = feature<NumericFeatureReport>(r, 'v');
    expect(v).toMatchObject({ n_cur: 0, missing_cur: 1, psi: null, js: null, ks: null, wasserstein: null, severity: 'alert' });
    const w = feature<CategoricalFeatureReport>(r, 'w');
    expect(w).toMatchObject({ n_cur: 0, psi: null, chi2: null, severity: 'alert' });
  });

  it('accepts a header-only file when asked to, with null shares', async () => {
    const ref = csv('h-ref.csv', ['v'], [[1], [2]]);
    const cur = file('h-cur.csv', 'v\n');
    const r = await compareFiles(store, { reference: ref, current: cur, allowEmpty: true });
    expect(r.current.rows).toBe(0);
    expect(feature<NumericFeatureReport>(r, 'v')).toMatchObject({ missing_cur: null, n_cur: 0, psi: null, severity: 'none' });
  });
});

describe('input formats', () => {
  const header = ['amount', 'country', 'flag'];
  const refRows = Array.from({ length: 300 }, (_, i) => [((i * 37) % 101) + 0.25, ['DE', 'FR', 'US'][i % 3] as string, i % 4 === 0 ? 'NA' : String(i % 2)]);
  const curRows = Array.from({ length: 200 }, (_, i) => [((i * 53) % 89) + 10.5, ['DE', 'US', 'GB'][i % 3] as string, i % 3 === 0 ? '' : String(i % 2)]);
  let csvReport: CompareReport;

  beforeAll(async () => {
    csvReport = await both(csv('f-ref.csv', header, refRows), csv('f-cur.csv', header, curRows));
  });

  it('reads JSONL (numbers, strings, nulls) like the same CSV', async () => {
    const jsonl = (rows: Array<Array<string | number>>): string =>
      rows.map((r) => JSON.stringify({ amount: r[0], country: r[1], flag: r[2] === 'NA' || r[2] === '' ? null : Number(r[2]) })).join('\n') + '\n';
    const r = await compareFiles(store, { reference: file('f-ref.jsonl', jsonl(refRows)), current: file('f-cur.jsonl', jsonl(curRows)) });
    expectReportsAgree(r, csvReport, 'jsonl vs csv');
  });

  for (const [ext, fmt] of [
    ['parquet', 'Parquet'],
    ['arrow', 'Arrow'],
    ['arrows', 'ArrowStream'],
  ] as const) {
    it(`reads ${fmt} with typed columns (written by the engine) like the same CSV`, async () => {
      const paths: string[] = [];
      for (const side of ['ref', 'cur']) {
        const out = join(dir.path, `f-${side}.${ext}`);
        await store.command(
          `INSERT INTO FUNCTION file({out:String}, {fmt:String}) SELECT toFloat64OrNull(amount) AS amount, country, toInt64OrNull(flag) AS flag ` +
            `FROM file({src:String}, 'CSVWithNames', 'amount String, country String, flag String') SETTINGS engine_file_truncate_on_insert = 1`,
          { params: { out, fmt, src: join(dir.path, `f-${side}.csv`) } },
        );
        paths.push(out);
      }
      const r = await compareFiles(store, { reference: paths[0] as string, current: paths[1] as string });
      expectReportsAgree(r, csvReport, `${ext} vs csv`);
    });
  }

  it('honours an explicit format for files without a telling extension', async () => {
    const a = file('f-ref.data', [header.join(','), ...refRows.map((r) => r.join(','))].join('\n') + '\n');
    const b = file('f-cur.data', [header.join(','), ...curRows.map((r) => r.join(','))].join('\n') + '\n');
    expectReportsAgree(await compareFiles(store, { reference: a, current: b, inputFormat: 'csv' }), csvReport, 'explicit csv');
    await rejects(compareFiles(store, { reference: a, current: b }), /cannot tell the format .*--input-format/);
  });
});

describe('errors name the problem', () => {
  const good = (): string => csv('ok.csv', ['v'], [[1], [2]]);

  it('a file that does not exist', async () => {
    await rejects(compareFiles(store, { reference: join(dir.path, 'nope.csv'), current: good() }), /cannot read reference file .*nope\.csv: no such file/);
  });

  it('an empty file', async () => {
    await rejects(compareFiles(store, { reference: good(), current: file('zero.csv', '') }), /current file .*zero\.csv is empty/);
    await rejects(compareFiles(store, { reference: file('hdr.csv', 'v\n'), current: good() }), /reference file .*hdr\.csv is empty: it has a header but no data rows/);
  });

  it('no common column', async () => {
    await rejects(compareFiles(store, { reference: good(), current: csv('other.csv', ['w'], [[1]]) }), /no common column: the reference file has "v"; the current file has "w"/);
  });

  it('an unknown --categorical column', async () => {
    await rejects(compareFiles(store, { reference: good(), current: good(), categorical: ['nope'] }), /--categorical names "nope"/);
  });

  it('a file that is not in the format it claims', async () => {
    await rejects(compareFiles(store, { reference: file('bad.parquet', 'not parquet at all'), current: good() }), /cannot read reference file .*bad\.parquet as Parquet/);
  });

  it('cleans up its temporary tables', async () => {
    const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'dw_compare_%'");
    expect(tables).toEqual([]);
  });
});

describe('agreement with the reference implementation on random data', () => {
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ties, missing values, negative numbers, unicode categories`, async () => {
      const r = rng(seed);
      const gen = (n: number, shift: number): Array<Array<string | number>> =>
        Array.from({ length: n }, () => [
          r() < 0.05 ? 'NA' : (Math.round((r() - 0.5 + shift) * 40) / 4).toString(),
          r() < 0.02 ? '' : (r() * 1e-3 - 5e-4 + shift * 1e-4).toExponential(6),
          ['α', 'β', '😀', '\uffff', 'z'][Math.floor(r() ** (1 + shift) * 5)] as string,
        ]);
      await both(csv(`r${seed}-ref.csv`, ['ties', 'tiny', 'cat'], gen(3000 + seed * 500, 0)), csv(`r${seed}-cur.csv`, ['ties', 'tiny', 'cat'], gen(2000, 0.2 * seed)));
    });
  }
});

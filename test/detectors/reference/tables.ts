// Adversarial tables for the differential tests. fast-check draws a small
// spec (shapes, sizes, seed, how values are written); the spec is turned into
// values deterministically, so a counterexample is a short JSON spec that
// test/regression/ can keep. One logical table (numbers, strings, booleans,
// nulls, absent keys) is written as CSV, JSONL, Arrow, Parquet and events;
// each path has its own reference reading (reference/values.ts).
import fc from 'fast-check';
import { numpyQuantile } from './stats.ts';
// The seeded PRNG the demo and the gate simulations use (mulberry32).
import { rng } from '../../../src/demo/traffic.ts';

export { rng };

export type LVal = { t: 'null' } | { t: 'absent' } | { t: 'num'; v: number } | { t: 'str'; s: string } | { t: 'bool'; b: boolean };

export type Shape = 'normal' | 'integer' | 'constant' | 'extreme' | 'edges' | 'signed-zero' | 'subnormal' | 'categorical' | 'mixed' | 'numeric-text' | 'bool';

export interface ColumnSpec {
  shape: Shape;
  /** Share of null/absent values. */
  missing: number;
  /** Present on: both sides, reference only, current only. */
  on: 'both' | 'ref' | 'cur';
  /** Current side shifted (numeric) or reweighted (categorical). */
  drift: boolean;
}

export interface TableSpec {
  seed: number;
  nRef: number;
  nCur: number;
  columns: ColumnSpec[];
}

export interface Table {
  names: string[];
  ref: LVal[][];
  cur: LVal[][];
}

const view = new DataView(new ArrayBuffer(8));
/** The next double toward +inf (dir 1) or -inf (dir -1). */
export function nextAfter(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * 5e-324;
  view.setFloat64(0, x);
  const b = view.getBigInt64(0);
  view.setBigInt64(0, (x > 0) === (dir > 0) ? b + 1n : b - 1n);
  return view.getFloat64(0);
}

/** Categories that break naive readers: quotes, commas, newlines, unicode, padding, NA tokens, number look-alikes. */
export const NASTY = ['a', 'b', 'DE', ' x', 'x ', 'x', '  x  ', 'a,b', 'say "hi"', '"', 'line\nbreak', 'cr\r\nlf', 'é', '日本', '🙂', 'Z', 'z', 'NA', ' NA ', 'na', 'None', 'null', 'nan', '', '  ', '\\N', 'N/A', '1e3', '+5', ' 7 ', '007', '.5', 'inf', '-Infinity', '1e309', 'true', 'false', 'TRUE', '0x10', '1_000', '-nan', '\t'];

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const EXTREMES = [1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, 8.98846567431158e307, -8.98846567431158e307, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 0, -0, 1, -1];

function value(c: ColumnSpec, side: 'ref' | 'cur', r: () => number, refSorted: number[] | null, k: number): LVal {
  if (r() < c.missing) return r() < 0.7 ? { t: 'null' } : { t: 'absent' };
  const shift = c.drift && side === 'cur';
  switch (c.shape) {
    case 'normal':
      return { t: 'num', v: Math.round((normal(r) + (shift ? 0.3 : 0)) * 1e6) / 1e4 };
    case 'integer':
      return { t: 'num', v: Math.floor(r() * (shift ? 12 : 10)) - 3 };
    case 'constant':
      return { t: 'num', v: shift ? 2.5 : 1.5 };
    case 'extreme':
      return { t: 'num', v: r() < 0.5 ? (EXTREMES[Math.floor(r() * EXTREMES.length)] as number) : (r() - 0.5) * 1.7e308 * (shift ? 1 : 0.9) };
    case 'subnormal':
      return { t: 'num', v: (Math.floor(r() * 40) - 20) * 5e-324 * (shift ? 2 : 1) };
    case 'signed-zero':
      return { t: 'num', v: r() < 0.5 ? (side === 'ref' ? -0 : 0) : r() < 0.5 ? 1 : -1 };
    case 'edges': {
      if (side === 'ref' || !refSorted || refSorted.length === 0) return { t: 'num', v: Math.floor(r() * 50) / 4 };
      const e = numpyQuantile(refSorted, (1 + (k % 9)) / 10);
      const pick = r();
      return { t: 'num', v: pick < 0.34 ? e : pick < 0.67 ? nextAfter(e, 1) : nextAfter(e, -1) };
    }
    case 'categorical': {
      const pool = shift ? NASTY.slice(3) : NASTY;
      return { t: 'str', s: pool[Math.floor(r() ** 1.5 * pool.length)] as string };
    }
    case 'numeric-text':
      return { t: 'str', s: ['7', ' 7 ', '+5', '1e3', '007', '.5', '5.', '-0', '0', '1E-2'][Math.floor(r() * 10)] as string };
    case 'mixed':
      return r() < 0.85 ? { t: 'num', v: Math.floor(r() * 20) / 2 } : r() < 0.5 ? { t: 'bool', b: r() < 0.5 } : { t: 'str', s: NASTY[Math.floor(r() * NASTY.length)] as string };
    case 'bool':
      return { t: 'bool', b: r() < (shift ? 0.7 : 0.4) };
  }
}

export function buildTable(spec: TableSpec): Table {
  const r = rng(spec.seed);
  const names = spec.columns.map((_, i) => `c${i}`);
  const side = (s: 'ref' | 'cur', n: number, refCols: LVal[][] | null): LVal[][] =>
    spec.columns.map((c, i) => {
      if (c.on !== 'both' && c.on !== s) return [];
      const refSorted = refCols ? (refCols[i] ?? []).flatMap((x) => (x.t === 'num' ? [x.v] : [])).sort((a, b) => a - b) : null;
      return Array.from({ length: n }, (_, k) => value(c, s, r, refSorted, k));
    });
  const ref = side('ref', spec.nRef, null);
  const cur = side('cur', spec.nCur, ref);
  return { names, ref, cur };
}

/** Column names present on a side. */
export function namesOn(spec: TableSpec, s: 'ref' | 'cur'): string[] {
  return spec.columns.flatMap((c, i) => (c.on === 'both' || c.on === s ? [`c${i}`] : []));
}

const SHAPES: Shape[] = ['normal', 'integer', 'constant', 'extreme', 'edges', 'signed-zero', 'subnormal', 'categorical', 'mixed', 'numeric-text', 'bool'];

export const columnSpec: fc.Arbitrary<ColumnSpec> = fc.record({
  shape: fc.constantFrom(...SHAPES),
  missing: fc.constantFrom(0, 0, 0.05, 0.3, 1),
  on: fc.constantFrom<'both' | 'ref' | 'cur'>('both', 'both', 'both', 'both', 'ref', 'cur'),
  drift: fc.boolean(),
});

/** Side sizes: single rows, small, either side of 10,000, and lopsided. */
export const sizes = (o: { large: boolean }): fc.Arbitrary<[number, number]> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })) },
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 40, max: 600 }), fc.integer({ min: 40, max: 600 })) },
    { weight: 1, arbitrary: fc.constantFrom<[number, number]>([1, 1], [1, 7], [2, 1]) },
    ...(o.large
      ? [
          { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 9_990, max: 10_010 }), fc.integer({ min: 9_000, max: 10_010 })) },
          { weight: 1, arbitrary: fc.constantFrom<[number, number]>([10, 100_000], [100_000, 10], [10, 30_000]) },
        ]
      : []),
  );

export const tableSpec = (o: { large: boolean; maxColumns?: number }): fc.Arbitrary<TableSpec> =>
  fc
    .record({
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      n: sizes(o),
      columns: fc.array(columnSpec, { minLength: 1, maxLength: o.maxColumns ?? 4 }),
    })
    .map(({ seed, n, columns }) => ({ seed, nRef: n[0], nCur: n[1], columns }))
    // A column must be on both sides somewhere, or there is nothing to compare.
    .filter((s) => s.columns.some((c) => c.on === 'both'));

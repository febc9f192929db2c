// The reference implementation of docs/statistics.md, for tests only: slow,
// in memory, written straight from the definitions. KS's D and the
// Wasserstein distance are computed exactly (BigInt fractions) and rounded
// once; counts, edges and bins are plain; PSI, JS and chi-square use the
// textbook double formulas. Where a p-value needs a special function (the
// asymptotic Kolmogorov distribution, the chi-square tail) the reference
// calls the product's port of scipy, which has its own tests against scipy;
// the exact KS p-value is recomputed here by counting lattice paths.
import { chi2Sf } from '../../../detectors/stats/gamma.ts';
import { kstwoSf } from '../../../detectors/stats/kolmogorov.ts';
import { ratOfDouble, toDouble } from './exact.ts';
import type { Cell } from './values.ts';

export type Severity = 'none' | 'warn' | 'alert';

export interface RefNumeric {
  name: string;
  type: 'numeric';
  n_ref: number;
  n_cur: number;
  missing_ref: number | null;
  missing_cur: number | null;
  bin_edges: number[] | null;
  counts: { ref: number[]; cur: number[] };
  psi: number | null;
  js: number | null;
  /** Exact numerator of D: max |a n_cur - b n_ref|. */
  d_num: number | null;
  ks: { d: number; p_value: number; method: 'exact' | 'asymp' } | null;
  wasserstein: number | null;
  severity: Severity;
}

export interface RefCategorical {
  name: string;
  type: 'categorical';
  n_ref: number;
  n_cur: number;
  missing_ref: number | null;
  missing_cur: number | null;
  categories: string[];
  counts: { ref: number[]; cur: number[] };
  psi: number | null;
  js: number | null;
  chi2: { statistic: number; p_value: number; dof: number } | null;
  new_categories: string[];
  severity: Severity;
}

export type RefFeature = RefNumeric | RefCategorical;

export const THRESHOLDS = { psiWarn: 0.1, psiAlert: 0.25, missingWarn: 0.05, missingAlert: 0.2 };

/** -0 is 0 (the contract compares numbers as IEEE doubles). */
const norm = (v: number): number => (v === 0 ? 0 : v);

/** numpy's _lerp; when b - a overflows, the same at half scale, doubled. */
export function numpyLerp(a: number, b: number, t: number): number {
  const diff = b - a;
  if (!Number.isFinite(diff)) return 2 * numpyLerp(a / 2, b / 2, t);
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.quantile(sorted, q), method 'linear'. */
export function numpyQuantile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1] as number;
  const lo = Math.floor(virtual);
  return numpyLerp(sorted[lo] as number, sorted[lo + 1] as number, virtual - lo);
}

function band(v: number | null, warn: number, alert: number): Severity {
  if (v === null) return 'none';
  return v >= alert ? 'alert' : v >= warn ? 'warn' : 'none';
}

function severity(psiValue: number | null, mRef: number | null, mCur: number | null): Severity {
  const p = band(psiValue, THRESHOLDS.psiWarn, THRESHOLDS.psiAlert);
  const m = mRef === null || mCur === null ? 'none' : band(Math.abs(mCur - mRef), THRESHOLDS.missingWarn, THRESHOLDS.missingAlert);
  const rank = { none: 0, warn: 1, alert: 2 } as const;
  return rank[p] >= rank[m] ? p : m;
}

export function psiOf(r: readonly number[], c: readonly number[]): number {
  const nr = r.reduce((s, x) => s + x, 0);
  const nc = c.reduce((s, x) => s + x, 0);
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    const pr = (r[i] as number) / nr || 1e-4;
    const pc = (c[i] as number) / nc || 1e-4;
    sum += (pc - pr) * Math.log(pc / pr);
  }
  return sum;
}

export function jsOf(r: readonly number[], c: readonly number[]): number {
  const nr = r.reduce((s, x) => s + x, 0);
  const nc = c.reduce((s, x) => s + x, 0);
  const relEntr = (x: number, y: number): number => (x > 0 ? x * Math.log(x / y) : 0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < r.length; i++) {
    const p = (r[i] as number) / nr;
    const q = (c[i] as number) / nc;
    const m = (p + q) / 2;
    left += relEntr(p, m);
    right += relEntr(q, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / Math.LN2 / 2));
}

export function chi2Of(r: readonly number[], c: readonly number[]): { statistic: number; p_value: number; dof: number } {
  const cols = r.map((x, i) => [x, c[i] as number] as const).filter(([a, b]) => a + b > 0);
  if (cols.length < 2) return { statistic: 0, p_value: 1, dof: 0 };
  const nr = cols.reduce((s, [a]) => s + a, 0);
  const nc = cols.reduce((s, [, b]) => s + b, 0);
  const total = nr + nc;
  let stat = 0;
  for (const [a, b] of cols) {
    const er = (nr * (a + b)) / total;
    const ec = (nc * (a + b)) / total;
    stat += ((a - er) * (a - er)) / er + ((b - ec) * (b - ec)) / ec;
  }
  return { statistic: stat, p_value: chi2Sf(stat, cols.length - 1), dof: cols.length - 1 };
}

/** Distinct values ascending with per-side counts. */
function merged(ref: readonly number[], cur: readonly number[]): Array<{ v: number; r: number; c: number }> {
  const m = new Map<number, { v: number; r: number; c: number }>();
  for (const v of ref) m.set(v, { v, r: (m.get(v)?.r ?? 0) + 1, c: m.get(v)?.c ?? 0 });
  for (const v of cur) m.set(v, { v, r: m.get(v)?.r ?? 0, c: (m.get(v)?.c ?? 0) + 1 });
  return [...m.values()].sort((a, b) => a.v - b.v);
}

/** Exact KS numerator and Wasserstein distance (as the nearest double; beyond the double range, the largest double). */
export function ecdfExact(ref: readonly number[], cur: readonly number[]): { dNum: number; wasserstein: number } {
  const n1 = ref.length;
  const n2 = cur.length;
  const pts = merged(ref, cur);
  // Every value as an integer multiple of 2^-shift, shift the largest power-of-two denominator among them.
  const rats = pts.map((p) => ratOfDouble(p.v));
  let den = 1n;
  for (const r of rats) if (r.d > den) den = r.d;
  const K = rats.map((r) => r.n * (den / r.d));
  let a = 0;
  let b = 0;
  let dNum = 0n;
  let area = 0n;
  for (let k = 0; k < pts.length; k++) {
    const p = pts[k] as { v: number; r: number; c: number };
    a += p.r;
    b += p.c;
    const diff = BigInt(a) * BigInt(n2) - BigInt(b) * BigInt(n1);
    const ad = diff < 0n ? -diff : diff;
    if (ad > dNum) dNum = ad;
    if (k + 1 < pts.length) area += ad * ((K[k + 1] as bigint) - (K[k] as bigint));
  }
  const w = toDouble({ n: area, d: den * BigInt(n1) * BigInt(n2) });
  return { dNum: Number(dNum), wasserstein: Number.isFinite(w) ? w : Number.MAX_VALUE };
}

/**
 * Exact two-sided p-value Pr(D >= d) under the null, by walking every
 * lattice path from (0, 0) to (n1, n2) with its probability: a path leaves
 * the band at the first point where |i n2 - j n1| >= dNum.
 */
export function ksExactP(dNum: number, n1: number, n2: number): number {
  if (dNum === 0) return 1;
  let row = new Float64Array(n2 + 1);
  let exited = 0;
  const outside = (i: number, j: number): boolean => Math.abs(i * n2 - j * n1) >= dNum;
  row[0] = 1;
  for (let i = 0; i <= n1; i++) {
    const next = new Float64Array(n2 + 1);
    for (let j = 0; j <= n2; j++) {
      const p = row[j] as number;
      if (p === 0) continue;
      if ((i > 0 || j > 0) && outside(i, j)) {
        exited += p;
        continue;
      }
      const left = n1 - i + n2 - j;
      if (left === 0) continue;
      if (i < n1) next[j] = (next[j] as number) + (p * (n1 - i)) / left;
      if (j < n2) row[j + 1] = (row[j + 1] as number) + (p * (n2 - j)) / left;
    }
    row = next;
  }
  return Math.min(1, exited);
}

/** numpy's round (half to even). */
const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** The KS p-value: exact when max(n1, n2) <= 10,000 (lattice paths here when small enough to count, else null), else asymptotic. */
export function ksP(dNum: number, n1: number, n2: number): { p: number | null; method: 'exact' | 'asymp' } {
  if (Math.max(n1, n2) <= 10_000) return { p: n1 * n2 <= 250_000 ? ksExactP(dNum, n1, n2) : null, method: 'exact' };
  const d = dNum / n1 / n2;
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  return { p: kstwoSf(d, roundHalfEven((m * n) / (m + n))), method: 'asymp' };
}

/** The report entry of one column of both sides (cells as read), per the contract. */
export function referenceFeature(name: string, ref: readonly Cell[], cur: readonly Cell[], forceCategorical = false): RefFeature {
  const numeric = !forceCategorical && ![...ref, ...cur].some((c) => c.k === 'text');
  const share = (missing: number, rows: number): number | null => (rows === 0 ? null : missing / rows);
  if (numeric) {
    const fin = (cs: readonly Cell[]): number[] => cs.flatMap((c) => (c.k === 'number' && Number.isFinite(c.v) ? [norm(c.v)] : []));
    const r = fin(ref).sort((a, b) => a - b);
    const c = fin(cur).sort((a, b) => a - b);
    const missing_ref = share(ref.length - r.length, ref.length);
    const missing_cur = share(cur.length - c.length, cur.length);
    const edges = r.length ? [...new Set([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => norm(numpyQuantile(r, i / 10))))].sort((x, y) => x - y) : null;
    const binOf = (v: number): number => (edges ?? []).filter((e) => e < v).length;
    // No reference values: no edges, no bins.
    const counts = (xs: number[]): number[] => {
      if (edges === null) return [];
      const out = new Array<number>(edges.length + 1).fill(0);
      for (const v of xs) out[binOf(v)] = (out[binOf(v)] as number) + 1;
      return out;
    };
    const cr = counts(r);
    const cc = counts(c);
    const both = r.length > 0 && c.length > 0;
    const psiValue = both ? psiOf(cr, cc) : null;
    const e = both ? ecdfExact(r, c) : null;
    const kp = e ? ksP(e.dNum, r.length, c.length) : null;
    return {
      name,
      type: 'numeric',
      n_ref: r.length,
      n_cur: c.length,
      missing_ref,
      missing_cur,
      bin_edges: edges,
      counts: { ref: cr, cur: cc },
      psi: psiValue,
      js: both ? jsOf(cr, cc) : null,
      d_num: e ? e.dNum : null,
      ks: e && kp ? { d: e.dNum / r.length / c.length, p_value: kp.p ?? Number.NaN, method: kp.method } : null,
      wasserstein: e ? e.wasserstein : null,
      severity: severity(psiValue, missing_ref, missing_cur),
    };
  }
  const present = (cs: readonly Cell[]): string[] => cs.flatMap((c) => (c.k === 'missing' ? [] : [c.text]));
  const pr = present(ref);
  const pc = present(cur);
  const codePointOrder = (a: string, b: string): number => {
    const x = [...a].map((ch) => ch.codePointAt(0) as number);
    const y = [...b].map((ch) => ch.codePointAt(0) as number);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x.length - y.length;
  };
  const categories = [...new Set([...pr, ...pc])].sort(codePointOrder);
  const count = (xs: string[]): number[] => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return categories.map((k) => m.get(k) ?? 0);
  };
  const cr = count(pr);
  const cc = count(pc);
  const missing_ref = share(ref.length - pr.length, ref.length);
  const missing_cur = share(cur.length - pc.length, cur.length);
  const both = pr.length > 0 && pc.length > 0;
  const psiValue = both ? psiOf(cr, cc) : null;
  const seenRef = new Set(pr);
  return {
    name,
    type: 'categorical',
    n_ref: pr.length,
    n_cur: pc.length,
    missing_ref,
    missing_cur,
    categories,
    counts: { ref: cr, cur: cc },
    psi: psiValue,
    js: both ? jsOf(cr, cc) : null,
    chi2: both ? chi2Of(cr, cc) : null,
    new_categories: [...new Set(pc.filter((x) => !seenRef.has(x)))].sort(codePointOrder),
    severity: severity(psiValue, missing_ref, missing_cur),
  };
}

// KS's D and Wasserstein pushed down. Small columns: one exact walk over the
// merged distinct values (window functions); the integer running sum of
// +n_cur per reference value and -n_ref per current value is a*n_cur - b*n_ref,
// D's exact numerator. Large columns: grid cells (histograms.ts), then
// sub-cells of the cells still open, then an exact walk inside the few
// sub-cells that can still change the result (stats/ecdf-cells.ts).
import type { Store } from '../../src/core/store/store.ts';
import { SPLIT, type Piece, type Refinement } from '../stats/ecdf-cells.ts';
import { cellSql, type CellIndex } from './cell-index.ts';
import { cellIndexBindings } from './histograms.ts';
import type { LoadedSource, SourceColumn } from './source.ts';
import { pieceSummaryOf, pieceSummarySql, type PieceSummaryRow, type PieceTarget } from './refine-sql.ts';
import { finiteExpr, floatCol, floatLiteral, num, QUERY_SETTINGS } from './sql.ts';

export interface EcdfPair {
  ref: SourceColumn;
  cur: SourceColumn;
  nRef: number;
  nCur: number;
}

export interface ExactEcdf {
  dNumerator: number;
  wasserstein: number;
}

/** One column's two sides for the exact walk: SQL selecting its finite values as `v` (-0 already folded into 0). */
export interface WalkColumn {
  ref: string;
  cur: string;
  nRef: number;
  nCur: number;
}

/** The exact ECDF walk over every distinct value of each column, in one query (shared by compare and the drift detector). */
export async function exactWalk(store: Store, cols: readonly WalkColumn[], o: { params?: Record<string, unknown>; settings?: Record<string, string | number>; signal?: AbortSignal } = {}): Promise<ExactEcdf[]> {
  if (cols.length === 0) return [];
  const branches = cols.flatMap((c, k) => [
    `SELECT toUInt32(${k}) AS col, v, toInt64(${c.nCur}) AS w, toUInt64(${c.nRef}) AS n1, toUInt64(${c.nCur}) AS n2 FROM (${c.ref})`,
    `SELECT toUInt32(${k}) AS col, v, toInt64(-${c.nRef}) AS w, toUInt64(${c.nRef}) AS n1, toUInt64(${c.nCur}) AS n2 FROM (${c.cur})`,
  ]);
  // The area in two forms: plain, and from half-scale gaps over D's fractions (which cannot overflow); the
  // second is used only when the first overflowed (values of both signs near the largest double).
  const sql = `SELECT col, toString(max(abs(cs))) AS dnum, sum(abs(cs) * (nv - v)) AS area, sum(abs(cs) / (toFloat64(n1) * n2) * (nv * 0.5 - v * 0.5)) AS half FROM (
    SELECT col, v,
      sum(w) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs,
      leadInFrame(v) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nv, n1, n2
    FROM (SELECT col, v, sum(w) AS w, any(n1) AS n1, any(n2) AS n2 FROM (${branches.join(' UNION ALL ')}) GROUP BY col, v)
  ) GROUP BY col`;
  // The last value of each column has cs = n_ref*n_cur - n_cur*n_ref = 0, so its (meaningless) nv adds nothing.
  const rows = await store.query<{ col: number; dnum: string; area: number | null; half: number | null }>(sql, {
    ...(o.params ? { params: o.params } : {}),
    settings: o.settings ?? QUERY_SETTINGS,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const out: ExactEcdf[] = cols.map(() => ({ dNumerator: 0, wasserstein: 0 }));
  for (const r of rows) {
    const k = num(r.col);
    const c = cols[k] as WalkColumn;
    out[k] = { dNumerator: Number(r.dnum), wasserstein: areaToWasserstein(r.area, r.half, c.nRef, c.nCur) };
  }
  return out;
}

export function exactEcdf(store: Store, ref: LoadedSource, cur: LoadedSource, pairs: readonly EcdfPair[], signal?: AbortSignal): Promise<ExactEcdf[]> {
  const side = (src: LoadedSource, col: SourceColumn): string => `SELECT ${floatCol(col.index)} AS v FROM ${src.table} WHERE ${finiteExpr(col.kind, col.index)}`;
  return exactWalk(
    store,
    pairs.map((p) => ({ ref: side(ref, p.ref), cur: side(cur, p.cur), nRef: p.nRef, nCur: p.nCur })),
    signal ? { signal } : {},
  );
}

/**
 * Wasserstein from the engine's two sums: Σ |a n2 - b n1| Δv (exact up to
 * rounding, but it overflows near the largest double, and the engine then
 * writes inf or null) and Σ |F_ref - F_cur| Δv/2 (never overflows). A true
 * distance beyond the largest double is reported as the largest double.
 */
export function areaToWasserstein(area: number | string | null, half: number | string | null, n1: number, n2: number): number {
  const a = area === null ? Number.NaN : num(area) / n1 / n2;
  if (Number.isFinite(a)) return a;
  const w = 2 * num(half ?? Number.NaN);
  return Number.isFinite(w) ? w : Number.MAX_VALUE;
}

export interface CellsRequest {
  pair: EcdfPair;
  index: CellIndex;
  state: Refinement;
  n1: number;
  n2: number;
  /** The column's arithmetic scale (stats/ecdf-cells.ts arithmeticScale). */
  scale: number;
}

/** One round's pieces (all of one depth) of one column: those to split and those to walk. */
export interface ChosenPieces {
  k: number;
  r: CellsRequest;
  split: Piece[];
  walk: Piece[];
}

const pieceKey = (c: ChosenPieces, p: Piece): number => (c.k * CELL_KEY + p.cell) * SPLIT ** p.depth + p.idx;

/** SQL for the index of a value's piece at `depth` (SPLIT^depth equal widths per cell) from its offset `o` above the cell's start and the cell's width `w` (scaled units). */
const idxSql = (d: number): string => (d === 0 ? 'toUInt32(0)' : `if(w > 0, least(toUInt32(o / (w / ${SPLIT ** d})), ${SPLIT ** d - 1}), toUInt32(0))`);

/**
 * Both sides' values inside the round's pieces (of one depth), as pieceSummarySql wants them: offsets in scaled
 * units above the piece's start; a split piece's parts are its SPLIT sub-cells, a walked piece's parts its values.
 * Each step is its own subquery reading the one below's columns: the engine's planner copies an alias's whole
 * expression (constant arrays included) into every use, which cost seconds of planning per round when the cell
 * lookup was spelled out in every expression.
 */
function roundRows(ref: LoadedSource, cur: LoadedSource, chosen: readonly ChosenPieces[], depth: number, params: Record<string, unknown>, withs: string[]): string {
  const per = SPLIT ** depth;
  const branches: string[] = [];
  for (const c of chosen) {
    const { r, k } = c;
    cellIndexBindings(k, r.index, params, withs);
    const local = (p: Piece): number => p.cell * per + p.idx;
    params[`j${k}`] = [...c.split, ...c.walk].map(local);
    params[`jw${k}`] = c.walk.map(local);
    withs.push(`{j${k}:Array(UInt64)} AS J${k}`, `{jw${k}:Array(UInt64)} AS JW${k}`);
    const sc = floatLiteral(r.scale);
    const sw = `(w / ${SPLIT ** (depth + 1)})`;
    for (const [isRef, src, col] of [
      [1, ref, r.pair.ref],
      [0, cur, r.pair.cur],
    ] as const) {
      const f = floatCol(col.index);
      // Values strictly inside their cell (those equal to its grid point are level 1's exact jumps).
      const inCell = `SELECT x, cell, G${k}[cell + 1] AS g0, G${k}[cell + 2] AS g1
        FROM (SELECT ${f} AS x, toUInt32(${cellSql(f, r.index, `T${k}`, `G${k}`)}) AS cell FROM ${src.table} WHERE ${finiteExpr(col.kind, col.index)})
        WHERE x > g0`;
      const offsets = `SELECT x, cell, o, w, ${idxSql(depth)} AS i0, ${idxSql(depth + 1)} AS i1, toUInt64(cell) * ${per} + i0 AS lk
        FROM (SELECT x, cell, x * ${sc} - g0 * ${sc} AS o, g1 * ${sc} - g0 * ${sc} AS w FROM (${inCell}))`;
      const pieces = `SELECT x, w, (toUInt64(${k}) * ${CELL_KEY} + cell) * ${per} + i0 AS key, has(JW${k}, lk) AS walked,
          o - toFloat64(i0) * (w / ${per}) AS po, i1 - i0 * ${SPLIT} AS sub
        FROM (${offsets}) WHERE has(J${k}, lk)`;
      branches.push(
        `SELECT key, walked, if(walked, x, toFloat64(sub)) AS part, if(walked, po, toFloat64(sub) * ${sw}) AS lo, if(walked, lo, lo + ${sw}) AS hi,
           if(walked, 0., po - lo) AS off, toUInt8(${isRef}) AS is_ref
         FROM (${pieces})`,
      );
    }
  }
  return branches.join(' UNION ALL ');
}

/** One round: the engine cuts every chosen piece (sub-cells, or values for the walked ones). */
export async function refinePieces(store: Store, ref: LoadedSource, cur: LoadedSource, chosen: readonly ChosenPieces[], depth: number, signal?: AbortSignal): Promise<void> {
  if (chosen.length === 0) return;
  const params: Record<string, unknown> = {};
  const withs: string[] = [];
  const targets: PieceTarget[] = [];
  const byKey = new Map<number, { c: ChosenPieces; p: Piece }>();
  for (const c of chosen) {
    const sc = c.r.scale;
    for (const p of [...c.split, ...c.walk]) {
      const g0 = c.r.index.grid[p.cell] as number;
      const g1 = c.r.index.grid[p.cell + 1] as number;
      targets.push({ key: pieceKey(c, p), s0: p.start, width: (g1 * sc - g0 * sc) / SPLIT ** depth, nRef: c.r.n1, nCur: c.r.n2, dKnown: c.r.state.dKnown });
      byKey.set(pieceKey(c, p), { c, p });
    }
  }
  const q = pieceSummarySql(roundRows(ref, cur, chosen, depth, params, withs), targets);
  const res = await store.query<PieceSummaryRow>(`WITH ${withs.join(', ')} ${q.sql}`, { params: { ...params, ...q.params }, settings: QUERY_SETTINGS, signal });
  for (const row of res) {
    const t = byKey.get(num(row.key));
    if (t) t.c.r.state.apply(t.p, pieceSummaryOf(row, 1));
  }
}

/** Keys of (column, cell) in refinement queries: column * CELL_KEY + cell (cells below 2^20; a piece's key, times SPLIT^depth, stays an exact integer). */
export const CELL_KEY = 4_194_304;

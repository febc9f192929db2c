// KS's D and Wasserstein of the drift detector's large columns (more values
// than exactLimit), from the cells the profile pass counted (cells.ts), then
// rounds of refinement (stats/ecdf-cells.ts Refinement): each round the
// engine splits the pieces still open into SPLIT sub-cells (or walks the small
// ones value by value) and returns only what is still open. Each round reads
// the column once more but groups only the rows of open pieces. The SQL that
// summarises is shared with compare (compare/refine-sql.ts).
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { SIDES } from '../operational/sides.ts';
import { MAX_DEPTH, Refinement, scanCells, SPLIT, type Piece } from '../stats/ecdf-cells.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { num } from '../compare/sql.ts';
import { CELL_KEY } from '../compare/ecdf.ts';
import { refineSummarySql, subSummaryOf, subSummarySql, summaryOf, type RefineTarget, type SubSummaryRow, type SubTarget, type SummaryRow } from '../compare/refine-sql.ts';
import { atCellLowSql, cellInput, cellOffsetBitsSql, cellSql, cellUlp, pieceEnds, pieceShift } from './cells.ts';
import { run, type NumericColumn, type NumericOptions } from './column.ts';

interface Large {
  col: NumericColumn;
  /** The grid: each occupied cell's lower bound, then the bound above the last (cells.ts cellInput). */
  grid: ArrayLike<number>;
  scale: number;
  n1: number;
  n2: number;
  state: Refinement;
}

/** Pieces of one depth for one column: the column and, per piece, its key in the round's query. */
interface Chosen {
  l: Large;
  pieces: Piece[];
}

const pieceKey = (l: Large, p: Piece): number => (l.col.id * CELL_KEY + (l.col.cells.ids[p.cell] as number)) * SPLIT ** p.depth + p.idx;

/** Both sides' values inside the chosen pieces (of one depth) of each column, with `select` over (v, cell, o: offset bits). */
function rowsIn(chosen: readonly Chosen[], depth: number, extra: QueryParams, select: (l: Large) => string): string {
  const per = SPLIT ** depth;
  const branches: string[] = [];
  for (const { l, pieces } of chosen) {
    extra[`lp${l.col.id}`] = pieces.map((p) => (l.col.cells.ids[p.cell] as number) * per + p.idx);
    for (const side of SIDES) {
      branches.push(
        `SELECT ${select(l)}, toUInt8(${side === 'ref' ? 1 : 0}) AS is_ref FROM (
           SELECT v, ${cellSql('v')} AS cell, ${cellOffsetBitsSql('v')} AS o FROM (${l.col.branch(side)}) WHERE NOT ${atCellLowSql('v')})
         WHERE has({lp${l.col.id}:Array(UInt64)}, toUInt64(cell) * ${per} + bitShiftRight(o, ${pieceShift(depth)}))`,
      );
    }
  }
  return branches.join('\nUNION ALL\n');
}

/**
 * The stretch from the end of cell j to the next occupied cell (scaled): S is constant there, at its value after
 * the cell's values (hi + lo - start), and the engine's split of the cell does not cover it.
 */
function gapAfter(l: Large, j: number): number {
  const end = pieceEnds(l.col.cells.ids[j] as number, 0, 0).hi;
  return (l.grid[j + 1] as number) * l.scale - end * l.scale;
}

/** One round's splits: SPLIT sub-cells per chosen piece, summarised by the engine. */
async function split(store: Store, chosen: readonly Chosen[], depth: number, o: NumericOptions): Promise<void> {
  if (chosen.length === 0) return;
  const targets: SubTarget[] = [];
  const extra: QueryParams = {};
  const byKey = new Map<number, { l: Large; p: Piece }>();
  for (const { l, pieces } of chosen) {
    for (const p of pieces) {
      targets.push({ key: pieceKey(l, p), s0: p.start, nRef: l.n1, nCur: l.n2, dKnown: l.state.dKnown });
      byKey.set(pieceKey(l, p), { l, p });
    }
  }
  const key = (l: Large): string => `(toUInt64(${l.col.id}) * ${CELL_KEY} + cell) * ${SPLIT ** depth} + bitShiftRight(o, ${pieceShift(depth)})`;
  const sub = pieceShift(depth + 1);
  const rows = rowsIn(chosen, depth, extra, (l) => `${key(l)} AS key, toUInt32(bitAnd(bitShiftRight(o, ${sub}), ${SPLIT - 1})) AS sub, toFloat64(bitAnd(o, ${2 ** sub - 1})) AS off, ${2 ** sub}. AS sw`);
  const q = subSummarySql(rows, targets, SPLIT);
  const res = await run<SubSummaryRow>(store, q.sql, o, { ...q.params, ...extra });
  for (const r of res) {
    const t = byKey.get(num(r.key));
    if (!t) continue;
    // Offsets and widths come in cell ulps.
    const m = subSummaryOf(r, cellUlp(t.l.col.cells.ids[t.p.cell] as number) * t.l.scale);
    if (depth === 0) m.area += Math.abs(t.p.hi + t.p.lo - t.p.start) * gapAfter(t.l, t.p.cell);
    t.l.state.split(t.p, m);
  }
}

/** One round's walks: the exact walk through each chosen piece's values. */
async function walk(store: Store, chosen: readonly Chosen[], depth: number, o: NumericOptions): Promise<void> {
  if (chosen.length === 0) return;
  const targets: RefineTarget[] = [];
  const extra: QueryParams = {};
  const byKey = new Map<number, { l: Large; p: Piece }>();
  for (const { l, pieces } of chosen) {
    for (const p of pieces) {
      const ends = pieceEnds(l.col.cells.ids[p.cell] as number, depth, p.idx);
      // A whole cell runs on to the next occupied one (S constant in between).
      targets.push({ key: pieceKey(l, p), s0: p.start, g0: ends.lo, g1: depth === 0 ? (l.grid[p.cell + 1] as number) : ends.hi, nRef: l.n1, nCur: l.n2, scale: l.scale });
      byKey.set(pieceKey(l, p), { l, p });
    }
  }
  const rows = rowsIn(chosen, depth, extra, (l) => `(toUInt64(${l.col.id}) * ${CELL_KEY} + cell) * ${SPLIT ** depth} + bitShiftRight(o, ${pieceShift(depth)}) AS key, v`);
  const q = refineSummarySql(rows, targets);
  const res = await run<SummaryRow>(store, q.sql, o, { ...q.params, ...extra });
  for (const r of res) {
    const t = byKey.get(num(r.key));
    if (t) t.l.state.walk(t.p, summaryOf(r));
  }
}

/** D and Wasserstein of the large columns, per column id. */
export async function largeEcdf(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, EcdfAggregate>> {
  const larges: Large[] = cols.map((col) => {
    const input = cellInput(col.cells);
    const scan = scanCells(input);
    return { col, grid: input.grid, scale: input.scale ?? 1, n1: scan.n1, n2: scan.n2, state: new Refinement(input, scan) };
  });
  for (let depth = 0; o.refine !== false && depth <= MAX_DEPTH; depth++) {
    const plans = larges.map((l) => ({ l, plan: l.state.plan(depth, depth === MAX_DEPTH) }));
    const splits = plans.filter((x) => x.plan.split.length > 0).map((x) => ({ l: x.l, pieces: x.plan.split }));
    const walks = plans.filter((x) => x.plan.walk.length > 0).map((x) => ({ l: x.l, pieces: x.plan.walk }));
    if (splits.length === 0 && walks.length === 0) break;
    await Promise.all([split(store, splits, depth, o), walk(store, walks, depth, o)]);
  }
  return new Map(
    larges.map((l) => {
      const r = l.state.result();
      return [l.col.id, { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator }];
    }),
  );
}

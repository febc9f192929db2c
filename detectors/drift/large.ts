// KS's D and Wasserstein of the drift detector's large columns (more values
// than exactLimit), from the cells the profile pass counted (cells.ts), then
// rounds of refinement (stats/ecdf-cells.ts Refinement): each round one query
// cuts the pieces still open into SPLIT sub-cells (or walks the small ones
// value by value) and returns only what is still open. A round reads the
// columns once more but groups only the rows of open pieces. The SQL that
// summarises is shared with compare (compare/refine-sql.ts).
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { SIDES } from '../operational/sides.ts';
import { MAX_DEPTH, Refinement, scanCells, SPLIT, type Piece } from '../stats/ecdf-cells.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { num } from '../compare/sql.ts';
import { CELL_KEY } from '../compare/ecdf.ts';
import { columnGroups } from '../compare/large.ts';
import { pieceSummaryOf, pieceSummarySql, type PieceSummaryRow, type PieceTarget } from '../compare/refine-sql.ts';
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

/** One round's pieces (all of one depth) of one column: those to split and those to walk. */
interface Chosen {
  l: Large;
  split: Piece[];
  walk: Piece[];
}

const pieceKey = (l: Large, p: Piece): number => (l.col.id * CELL_KEY + (l.col.cells.ids[p.cell] as number)) * SPLIT ** p.depth + p.idx;

/**
 * The stretch from the end of cell j to the next occupied cell (scaled): S is constant there, at its value after
 * the cell's values (hi + lo - start), and the engine's cut of the cell does not cover it.
 */
function gapAfter(l: Large, j: number): number {
  const end = pieceEnds(l.col.cells.ids[j] as number, 0, 0).hi;
  return (l.grid[j + 1] as number) * l.scale - end * l.scale;
}

/**
 * Both sides' values inside the round's pieces (of one depth), as pieceSummarySql wants them. Offsets are in cell
 * ulps (exact integers): o above the cell's start, po above the piece's; a split piece's parts are its SPLIT
 * sub-cells (the next bits of the offset), a walked piece's parts its values.
 */
function roundRows(chosen: readonly Chosen[], depth: number, extra: QueryParams): string {
  const per = SPLIT ** depth;
  const shift = pieceShift(depth);
  const sub = pieceShift(depth + 1);
  const branches: string[] = [];
  for (const { l, split, walk } of chosen) {
    const local = (p: Piece): number => (l.col.cells.ids[p.cell] as number) * per + p.idx;
    extra[`lp${l.col.id}`] = [...split, ...walk].map(local);
    extra[`lw${l.col.id}`] = walk.map(local);
    for (const side of SIDES) {
      branches.push(
        `SELECT (toUInt64(${l.col.id}) * ${CELL_KEY} + cell) * ${per} + bitShiftRight(o, ${shift}) AS key,
           has({lw${l.col.id}:Array(UInt64)}, lk) AS walked, bitAnd(o, ${2 ** shift - 1}) AS po,
           if(walked, v, toFloat64(bitShiftRight(po, ${sub}))) AS part,
           if(walked, toFloat64(po), toFloat64(bitShiftRight(po, ${sub}) * ${2 ** sub})) AS lo,
           if(walked, lo, lo + ${2 ** sub}.) AS hi,
           if(walked, 0., toFloat64(bitAnd(po, ${2 ** sub - 1}))) AS off,
           toUInt8(${side === 'ref' ? 1 : 0}) AS is_ref
         FROM (
           SELECT v, ${cellSql('v')} AS cell, ${cellOffsetBitsSql('v')} AS o, toUInt64(cell) * ${per} + bitShiftRight(o, ${shift}) AS lk
           FROM (${l.col.branch(side)}) WHERE NOT ${atCellLowSql('v')})
         WHERE has({lp${l.col.id}:Array(UInt64)}, lk)`,
      );
    }
  }
  return branches.join('\nUNION ALL\n');
}

/** One round: the engine cuts every chosen piece (sub-cells, or values for the walked ones). */
async function round(store: Store, chosen: readonly Chosen[], depth: number, o: NumericOptions): Promise<void> {
  const targets: PieceTarget[] = [];
  const byKey = new Map<number, { l: Large; p: Piece }>();
  for (const { l, split, walk } of chosen) {
    for (const p of [...split, ...walk]) {
      targets.push({ key: pieceKey(l, p), s0: p.start, width: 2 ** pieceShift(depth), nRef: l.n1, nCur: l.n2, dKnown: l.state.dKnown });
      byKey.set(pieceKey(l, p), { l, p });
    }
  }
  const extra: QueryParams = {};
  const q = pieceSummarySql(roundRows(chosen, depth, extra), targets);
  const res = await run<PieceSummaryRow>(store, q.sql, o, { ...q.params, ...extra });
  for (const r of res) {
    const t = byKey.get(num(r.key));
    if (!t) continue;
    // Offsets and widths come in cell ulps.
    const m = pieceSummaryOf(r, cellUlp(t.l.col.cells.ids[t.p.cell] as number) * t.l.scale);
    if (depth === 0) m.area += Math.abs(t.p.hi + t.p.lo - t.p.start) * gapAfter(t.l, t.p.cell);
    t.l.state.apply(t.p, m);
  }
}

/** D and Wasserstein of the large columns, per column id. */
export async function largeEcdf(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, EcdfAggregate>> {
  const larges: Large[] = cols.map((col) => {
    const input = cellInput(col.cells);
    const scan = scanCells(input);
    return { col, grid: input.grid, scale: input.scale ?? 1, n1: scan.n1, n2: scan.n2, state: new Refinement(input, scan) };
  });
  // Columns in groups: each column adds its pieces to every query of a round,
  // and a model with many features in one round exceeds the engine's query
  // size (columnGroups, as compare does).
  for (const group of columnGroups(larges)) {
    for (let depth = 0; o.refine !== false && depth <= MAX_DEPTH; depth++) {
      const chosen = group.map((l) => ({ l, ...l.state.plan(depth, depth === MAX_DEPTH) })).filter((c) => c.split.length + c.walk.length > 0);
      if (chosen.length === 0) break;
      await round(store, chosen, depth, o);
    }
  }
  return new Map(
    larges.map((l) => {
      const r = l.state.result();
      return [l.col.id, { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator }];
    }),
  );
}

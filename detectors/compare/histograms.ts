// Second pass over a side: PSI/JS bin counts for numeric columns (the bin of
// v is the number of edges below it, a sum of comparisons), the grid cells
// of large numeric columns (dense -Resample arrays indexed by cell), and the
// category counts of categorical columns.
import type { Store } from '../../src/core/store/store.ts';
import type { CellSide } from '../stats/ecdf-cells.ts';
import type { LoadedSource, SourceColumn } from './source.ts';
import { cellSql, tableParam, type CellIndex } from './cell-index.ts';
import { categoryExpr, finiteExpr, floatArrayFromParam, floatBits, floatCol, floatLiteral, missingExpr, num, QUERY_SETTINGS } from './sql.ts';

export interface BinRequest {
  col: SourceColumn;
  edges: readonly number[];
}

export interface CellRequest {
  col: SourceColumn;
  index: CellIndex;
  /** Offsets are summed times this power of two (stats/ecdf-cells.ts arithmeticScale), so they cannot overflow. */
  scale?: number;
}

/** Params and WITH clauses binding a cell index's constant arrays as T<k> (lookup) and G<k> (grid + sentinel). */
export function cellIndexBindings(k: number, ix: CellIndex, params: Record<string, unknown>, withs: string[]): void {
  params[`t${k}`] = tableParam(ix);
  params[`g${k}`] = ix.grid.map(floatBits);
  withs.push(`{t${k}:Array(UInt16)} AS T${k}`, `arrayPushBack(${floatArrayFromParam(`g${k}`)}, inf) AS G${k}`);
}

export interface NumericHistograms {
  bins: number[][];
  cells: CellSide[];
}

export async function numericHistograms(store: Store, src: LoadedSource, bins: readonly BinRequest[], cells: readonly CellRequest[], signal?: AbortSignal): Promise<NumericHistograms> {
  if (bins.length === 0 && cells.length === 0) return { bins: [], cells: [] };
  const params: Record<string, unknown> = {};
  const withs: string[] = [];
  const inner: string[] = [];
  const outer: string[] = [];
  bins.forEach((b, k) => {
    const f = floatCol(b.col.index);
    const bin = b.edges.length === 0 ? '0' : b.edges.map((e) => `(${f} > ${floatLiteral(e)})`).join(' + ');
    outer.push(`countResampleIf(0, ${b.edges.length + 1}, 1)(${bin}, ${finiteExpr(b.col.kind, b.col.index)}) AS b${k}`);
  });
  cells.forEach((c, k) => {
    const f = floatCol(c.col.index);
    const K = c.index.grid.length;
    cellIndexBindings(k, c.index, params, withs);
    // Slot 2j counts the values equal to g_j (atoms are exact jumps on both sides), slot 2j+1 those
    // strictly inside (g_j, g_j+1), sums their offsets from g_j and keeps the lowest and highest.
    inner.push(`${cellSql(f, c.index, `T${k}`, `G${k}`)} AS cell${k}`, `G${k}[cell${k} + 1] AS low${k}`, `2 * cell${k} + (${f} > low${k}) AS slot${k}`);
    const fin = finiteExpr(c.col.kind, c.col.index);
    const sc = floatLiteral(c.scale ?? 1);
    const off = `${f} * ${sc} - low${k} * ${sc}`;
    outer.push(
      `countResampleIf(0, ${2 * K}, 1)(slot${k}, ${fin}) AS cc${k}`,
      `sumResampleIf(0, ${2 * K}, 1)(${off}, slot${k}, ${fin}) AS cs${k}`,
      `minResampleIf(0, ${2 * K}, 1)(${off}, slot${k}, ${fin}) AS cn${k}`,
      `maxResampleIf(0, ${2 * K}, 1)(${off}, slot${k}, ${fin}) AS cx${k}`,
    );
  });
  const usedCols = [...new Set([...bins.map((b) => b.col.index), ...cells.map((c) => c.col.index)])].map(floatCol);
  const from = inner.length > 0 ? `(SELECT ${[...usedCols, ...inner].join(', ')} FROM ${src.table})` : src.table;
  const sql = `${withs.length ? `WITH ${withs.join(', ')} ` : ''}SELECT ${outer.join(', ')} FROM ${from}`;
  const [row] = await store.query<Record<string, Array<number | string>>>(sql, { params, settings: QUERY_SETTINGS, signal });
  if (!row) throw new Error('histogram query returned no row');
  return {
    bins: bins.map((_, k) => (row[`b${k}`] as Array<number | string>).map(num)),
    cells: cells.map((c, k) => {
      const arr = (name: string): number[] => (row[`${name}${k}`] as Array<number | string>).map(num);
      return splitSlots(c.index.grid.length, arr('cc'), arr('cs'), arr('cn'), arr('cx'));
    }),
  };
}

/** Cells from the engine's slots: 2j = values equal to g_j, 2j+1 = values inside (g_j, g_j+1) (count, offset sum, lowest and highest offset). */
export function splitSlots(k: number, counts: readonly number[], sums: readonly number[], mins: readonly number[], maxs: readonly number[]): CellSide {
  const eq = new Float64Array(k);
  const inner = new Float64Array(k);
  const off = new Float64Array(k);
  const lo = new Float64Array(k);
  const hi = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    eq[j] = counts[2 * j] ?? 0;
    inner[j] = counts[2 * j + 1] ?? 0;
    off[j] = sums[2 * j + 1] ?? 0;
    lo[j] = mins[2 * j + 1] ?? 0;
    hi[j] = maxs[2 * j + 1] ?? 0;
  }
  return { eq, inner, innerOffsetSum: off, innerMin: lo, innerMax: hi };
}

/** Counts per category (present values only) for each requested column. */
export async function categoryCounts(store: Store, src: LoadedSource, cols: readonly SourceColumn[], signal?: AbortSignal): Promise<Array<Map<string, number>>> {
  if (cols.length === 0) return [];
  const sql = cols
    .map((c, k) => `SELECT ${k} AS col, ${categoryExpr(c.kind, c.index)} AS value, toFloat64(count()) AS n FROM ${src.table} WHERE NOT ${missingExpr(c.kind, c.index)} GROUP BY value`)
    .join(' UNION ALL ');
  const rows = await store.query<{ col: number; value: string; n: number }>(sql, { settings: QUERY_SETTINGS, signal });
  const out = cols.map(() => new Map<string, number>());
  for (const r of rows) out[num(r.col)]?.set(r.value, num(r.n));
  return out;
}

// The reference's exact values at the ranks numpy's decile interpolation
// reads; the edges are then interpolated in Node with numpy's own formula.
import type { Store } from '../../src/core/store/store.ts';
import { binEdgesFromOrderStats, edgeRanks } from '../stats/bins.ts';
import type { LoadedSource, SourceColumn } from './source.ts';
import { asBits, finiteExpr, floatCol, floatFromBits, QUERY_SETTINGS } from './sql.ts';

export interface EdgeRequest {
  col: SourceColumn;
  /** Finite values of the column in the reference. */
  n: number;
}

/** Decile bin edges per requested column, exactly as numpy would compute them. */
export async function referenceEdges(store: Store, src: LoadedSource, reqs: readonly EdgeRequest[], signal?: AbortSignal): Promise<number[][]> {
  if (reqs.length === 0) return [];
  const plans = reqs.map((r) => edgeRanks(r.n));
  // quantileExact reads the element at floor(level * n); a level of (rank + 0.5) / n lands on rank whatever the rounding.
  const exprs = reqs.map((r, k) => {
    const levels = (plans[k] as number[]).map((rank) => String((rank + 0.5) / r.n)).join(', ');
    return `${asBits(`quantilesExactIf(${levels})(${floatCol(r.col.index)}, ${finiteExpr(r.col.kind, r.col.index)})`)} AS q${k}`;
  });
  const [row] = await store.query<Record<string, string[]>>(`SELECT ${exprs.join(', ')} FROM ${src.table}`, { settings: QUERY_SETTINGS, signal });
  if (!row) throw new Error('quantile query returned no row');
  return reqs.map((r, k) => {
    const ranks = plans[k] as number[];
    const values = (row[`q${k}`] as string[]).map(floatFromBits);
    const at = new Map(ranks.map((rank, i) => [rank, values[i] as number]));
    return binEdgesFromOrderStats(r.n, (rank) => at.get(rank) as number);
  });
}

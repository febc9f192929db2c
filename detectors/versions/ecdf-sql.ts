// The two empirical CDFs walked inside the engine: per key (a feature, or ''
// for latency), the KS numerator max |a n_cur - b n_ref| (a, b the counts at
// or below each distinct value; integer, so the exact KS test gets it without
// rounding) and the first Wasserstein distance Σ |F_ref - F_cur| Δv. The same
// arithmetic as stats/ecdf.ts's ecdfDistances, over GROUP BY value instead of
// arrays in Node.
import type { QueryParams, Store } from '../../src/core/store/store.ts';

export interface EcdfSummary {
  nRef: number;
  nCur: number;
  dNumerator: number;
  wasserstein: number;
}

/**
 * `source` selects columns key (String), side ('cur' | 'ref') and v
 * (Float64). Keys missing a side are left out.
 */
export async function ecdfBySql(store: Store, source: { sql: string; params: QueryParams; signal?: AbortSignal }): Promise<Map<string, EcdfSummary>> {
  const rows = await store.query<{ key: string; ref_total: number; cur_total: number; d_num: number; wasserstein: number }>(
    `SELECT key, any(n_ref) AS ref_total, any(n_cur) AS cur_total,
            max(abs(toInt64(cr) * toInt64(n_cur) - toInt64(cc) * toInt64(n_ref))) AS d_num,
            sum(abs(cr / n_ref - cc / n_cur) * (next_v - v)) AS wasserstein
     FROM (
        SELECT key, v,
               sum(r) OVER w AS cr, sum(c) OVER w AS cc,
               sum(r) OVER (PARTITION BY key) AS n_ref, sum(c) OVER (PARTITION BY key) AS n_cur,
               leadInFrame(v, 1, v) OVER (PARTITION BY key ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_v
        FROM (SELECT key, v, countIf(side = 'ref') AS r, countIf(side = 'cur') AS c FROM (${source.sql}) GROUP BY key, v)
        WINDOW w AS (PARTITION BY key ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
     GROUP BY key
     HAVING ref_total > 0 AND cur_total > 0`,
    { params: source.params, signal: source.signal },
  );
  return new Map(rows.map((r) => [r.key, { nRef: Number(r.ref_total), nCur: Number(r.cur_total), dNumerator: Number(r.d_num), wasserstein: Number(r.wasserstein) }]));
}

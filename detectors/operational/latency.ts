// Latency p50/p95/p99 per model and version, and the p95 spike:
// latency_p95_ratio = p95(cur) / p95(ref), alerting at latencyRatio when both
// sides have at least minCount latencies. Quantiles are exact, computed by the
// engine with quantilesExactInclusive (numpy's default linear interpolation,
// up to rounding); rows without latency_ms take no part. Failed requests do:
// a timeout storm is a latency spike too.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { MonitorContext } from './context.ts';
import { scoreRow } from './score-row.ts';
import { bothSides, pairSides, type Side } from './sides.ts';

export const LATENCY_DETECTOR = 'latency';

const LEVELS = [
  ['latency_p50_ms', 0.5],
  ['latency_p95_ms', 0.95],
  ['latency_p99_ms', 0.99],
] as const;

interface LatencyRow {
  side: Side;
  model: string;
  model_version: string;
  n: number;
  q: number[];
}

export interface LatencyOptions {
  /**
   * A p-value for latency_p95_ratio (e.g. the KS test of the two latency
   * distributions that `versions compare` adds); null leaves it out.
   */
  pValue?: (model: string, version: string) => number | null;
}

export async function latencyMonitor(store: Store, ctx: MonitorContext, opts: LatencyOptions = {}): Promise<ScoreRow[]> {
  const q = bothSides(
    ctx,
    (where, side) =>
      `SELECT '${side}' AS side, model, model_version, count(latency_ms) AS n, quantilesExactInclusive(${LEVELS.map((l) => l[1]).join(', ')})(latency_ms) AS q
       FROM predictions WHERE ${where} GROUP BY model, model_version`,
  );
  const rows = (await store.query<LatencyRow>(q.sql, { params: q.params, signal: ctx.signal })).map((r) => ({ ...r, n: Number(r.n), q: r.q.map(Number) }));
  const out: ScoreRow[] = [];
  for (const p of pairSides(rows, ctx)) {
    const cur = p.cur[0];
    const ref = p.ref[0];
    const nCur = cur?.n ?? 0;
    const nRef = ref?.n ?? 0;
    const enough = nCur >= ctx.minCount && nRef >= ctx.minCount;
    const at = (r: LatencyRow | undefined, i: number): number | null => (r && r.n > 0 ? (r.q[i] ?? null) : null);
    const common = { model: p.model, version: p.version, n_ref: nRef, n_cur: nCur };
    LEVELS.forEach(([metric], i) => {
      const value = at(cur, i);
      out.push(
        scoreRow(ctx, LATENCY_DETECTOR, {
          ...common,
          metric,
          value,
          status: nCur === 0 ? 'no_data' : nCur < ctx.minCount ? 'insufficient_data' : 'ok',
          details: { ref: at(ref, i) },
        }),
      );
    });
    const p95Cur = at(cur, 1);
    const p95Ref = at(ref, 1);
    const ratio = p95Cur !== null && p95Ref !== null && p95Ref > 0 ? p95Cur / p95Ref : null;
    const pValue = opts.pValue?.(p.model, p.version) ?? null;
    let status: ScoreStatus;
    if (nCur === 0) status = 'no_data';
    else if (!enough || ratio === null) status = 'insufficient_data';
    else status = ratio >= ctx.thresholds.latencyRatio && (pValue === null || pValue < ctx.thresholds.alpha) ? 'alert' : 'ok';
    out.push(
      scoreRow(ctx, LATENCY_DETECTOR, {
        ...common,
        metric: 'latency_p95_ratio',
        value: ratio,
        p_value: pValue,
        threshold: ctx.thresholds.latencyRatio,
        status,
        details: { ref: 1, p95_ms: p95Cur, ref_p95_ms: p95Ref },
      }),
    );
  }
  return out;
}

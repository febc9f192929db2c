// Error rate per model and version (error != '' is a failed request) and its
// increase over the baseline: error_rate_delta = rate(cur) - rate(ref), with
// the one-sided two-proportion z-test (H1: the current rate is higher) as its
// p-value. Alerts when both sides have minCount requests, the delta reaches
// errorRateDelta and p < alpha.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { MonitorContext } from './context.ts';
import { twoProportionZTest } from './proportions.ts';
import { scoreRow } from './score-row.ts';
import { bothSides, pairSides, type Side } from './sides.ts';

export const ERRORS_DETECTOR = 'errors';

interface ErrorRow {
  side: Side;
  model: string;
  model_version: string;
  n: number;
  errors: number;
}

export async function errorRateMonitor(store: Store, ctx: MonitorContext): Promise<ScoreRow[]> {
  const q = bothSides(ctx, (where, side) => `SELECT '${side}' AS side, model, model_version, count() AS n, countIf(error != '') AS errors FROM predictions WHERE ${where} GROUP BY model, model_version`);
  const rows = (await store.query<ErrorRow>(q.sql, { params: q.params, signal: ctx.signal })).map((r) => ({ ...r, n: Number(r.n), errors: Number(r.errors) }));
  const out: ScoreRow[] = [];
  for (const p of pairSides(rows, ctx)) {
    const nCur = p.cur[0]?.n ?? 0;
    const eCur = p.cur[0]?.errors ?? 0;
    const nRef = p.ref[0]?.n ?? 0;
    const eRef = p.ref[0]?.errors ?? 0;
    const rateCur = nCur > 0 ? eCur / nCur : null;
    const rateRef = nRef > 0 ? eRef / nRef : null;
    const common = { model: p.model, version: p.version, n_ref: nRef, n_cur: nCur };
    out.push(
      scoreRow(ctx, ERRORS_DETECTOR, {
        ...common,
        metric: 'error_rate',
        value: rateCur,
        status: nCur === 0 ? 'no_data' : nCur < ctx.minCount ? 'insufficient_data' : 'ok',
        details: { ref: rateRef, errors: eCur, ref_errors: eRef },
      }),
    );
    const delta = rateCur !== null && rateRef !== null ? rateCur - rateRef : null;
    const test = nCur > 0 && nRef > 0 ? twoProportionZTest(eCur, nCur, eRef, nRef, 'larger') : null;
    let status: ScoreStatus;
    if (nCur === 0) status = 'no_data';
    else if (nCur < ctx.minCount || nRef < ctx.minCount || delta === null || test === null) status = 'insufficient_data';
    else status = delta >= ctx.thresholds.errorRateDelta && test.p_value < ctx.thresholds.alpha ? 'alert' : 'ok';
    out.push(
      scoreRow(ctx, ERRORS_DETECTOR, {
        ...common,
        metric: 'error_rate_delta',
        value: delta,
        p_value: test?.p_value ?? null,
        threshold: ctx.thresholds.errorRateDelta,
        status,
        details: { ref: 0, z: test?.z ?? null, rate: rateCur, ref_rate: rateRef },
      }),
    );
  }
  return out;
}

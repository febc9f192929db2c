// Regression quality pushed down: error sums per side and version over
// labelled rows whose label and prediction are finite numbers.
import type { Store } from '../../src/core/store/store.ts';
import { floatLiteral } from '../compare/sql.ts';
import type { Side } from '../operational/sides.ts';
import type { QualityContext } from './context.ts';
import { FLOAT64_EPS, regressionScores, type RegressionSums } from './metrics.ts';
import { emptyMetrics, sideKey, type SideMetrics } from './side-metrics.ts';
import { labelledSource, NUMERIC_LABEL_OK } from './sql.ts';

const num = (v: unknown) => Number(v);

export async function regressionMetrics(store: Store, ctx: QualityContext & { model: string }): Promise<Map<string, SideMetrics>> {
  const src = labelledSource(ctx, 'INNER');
  const rows = await store.query<{ side: Side; model_version: string; n: number; bad_pred: number; abs_sum: number; sq_sum: number; ape_sum: number }>(
    `SELECT side, model_version, countIf(pred_ok) AS n, countIf(NOT pred_ok) AS bad_pred,
            sumIf(abs(err), pred_ok) AS abs_sum, sumIf(err * err, pred_ok) AS sq_sum,
            sumIf(abs(err) / greatest(abs(y_num), ${floatLiteral(FLOAT64_EPS)}), pred_ok) AS ape_sum
     FROM (SELECT side, model_version, y_num, yhat_num IS NOT NULL AND isFinite(yhat_num) AS pred_ok, ifNull(y_num - yhat_num, 0) AS err
           FROM (${src.sql}) WHERE has_label = 1 AND in_horizon AND ${NUMERIC_LABEL_OK})
     GROUP BY side, model_version`,
    { params: { ...src.params, model: ctx.model }, signal: ctx.signal },
  );
  const out = new Map<string, SideMetrics>();
  for (const r of rows) {
    const m = emptyMetrics();
    const sums: RegressionSums = { n: num(r.n), absSum: num(r.abs_sum), sqSum: num(r.sq_sum), apeSum: num(r.ape_sum) };
    const s = regressionScores(sums);
    m.values.set('mae', s.mae);
    m.values.set('rmse', s.rmse);
    m.values.set('mape', s.mape);
    m.badPredictions = num(r.bad_pred);
    out.set(sideKey(r.side, r.model_version), m);
  }
  return out;
}

// Regressors: MAE and RMSE estimated from the reference's residuals per
// prediction bin (a simpler stand-in for NannyML's Direct Loss Estimation).
// The reference's predictions are cut at their deciles (`bins`); per bin the
// labelled reference gives the mean |residual| and mean residual², and a
// window's estimate is the mean of its rows' bin values:
//   MAE^ = Σ_b n_b · mae_b / n        RMSE^ = sqrt(Σ_b n_b · mse_b / n)
// Why not DLE: DLE trains a gradient-boosted model of the loss on every
// feature, which means holding and fitting the reference's rows in Node;
// the bin table is a few numbers the engine aggregates, is exact to
// reproduce, and captures the common case where the error depends on where
// the prediction lands (larger amounts, larger errors). It misses error that
// depends on features the prediction does not reflect; the realized-vs-
// estimated loop shows when that happens.
// Band: per bin the reference's variance of |r| (and of r²); the window's
// sampling variance Σ_b n_b var_b / n² plus the bin means' own error
// Σ_b (n_b / n)² var_b / N_b (N_b reference rows in the bin); RMSE's from
// MSE's by the delta method, SE(RMSE) = SE(MSE) / (2 RMSE).
import type { Store } from '../../src/core/store/store.ts';
import { asBits, floatBits, floatFromBits } from '../compare/sql.ts';
import type { ClassCalibration, RegressionReference } from './artifact.ts';
import type { Source } from './source.ts';

const FINITE_PRED = 'yhat_num IS NOT NULL AND isFinite(yhat_num)';

export interface RegressionBinSums {
  segment: string;
  rows: number;
  labelledRows: number;
  /** Per bin: scored rows, labelled scored rows. */
  n: number[];
  nLab: number[];
  /** Over labelled scored rows: Σ |r|, Σ r². */
  absSum: number;
  sqSum: number;
}

const levels = (bins: number) => Array.from({ length: bins - 1 }, (_, k) => (k + 1) / bins);

export async function fitRegression(store: Store, src: Source, bins: number, signal?: AbortSignal): Promise<{ calibration: ClassCalibration; reference: RegressionReference } | null> {
  const usable = `lab = 1 AND segment = '' AND ${FINITE_PRED}`;
  const [q] = await store.query<{ q: string[]; n: string }>(`SELECT ${asBits(`quantilesExact(${levels(bins).join(', ')})(yhat_num)`)} AS q, count() AS n FROM (${src.sql}) WHERE ${usable}`, {
    params: src.params,
    signal,
  });
  if (!q || Number(q.n) === 0) return null;
  const edges = [...new Set(q.q.map(floatFromBits))].sort((a, b) => a - b);
  const rows = await store.query<{ bin: number; n: string; a1: number; s1: number; s2: number }>(
    `SELECT arrayCount(x -> yhat_num > x, arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {edges:Array(String)})) AS bin, count() AS n,
            sum(abs(r)) AS a1, sum(r * r) AS s1, sum(r * r * r * r) AS s2
     FROM (SELECT yhat_num, y_num - yhat_num AS r FROM (${src.sql}) WHERE ${usable}) GROUP BY bin`,
    { params: { ...src.params, edges: edges.map(floatBits) }, signal },
  );
  const k = edges.length + 1;
  const ref: RegressionReference = { task: 'regression', n: Array(k).fill(0), mae: Array(k).fill(0), mse: Array(k).fill(0), varAbs: Array(k).fill(0), varSq: Array(k).fill(0), values: {} };
  let n = 0;
  let abs = 0;
  let sq = 0;
  for (const r of rows) {
    const b = Number(r.bin);
    const nb = Number(r.n);
    ref.n[b] = nb;
    ref.mae[b] = r.a1 / nb;
    ref.mse[b] = r.s1 / nb;
    ref.varAbs[b] = Math.max(0, r.s1 / nb - (r.a1 / nb) ** 2);
    ref.varSq[b] = Math.max(0, r.s2 / nb - (r.s1 / nb) ** 2);
    n += nb;
    abs += r.a1;
    sq += r.s1;
  }
  // A bin the reference left empty (the top one, when the largest prediction is an edge)
  // borrows its nearest filled neighbour below (above for the first).
  for (let b = 0; b < k; b++) {
    if (ref.n[b]! > 0) continue;
    const from = [...Array(k).keys()].filter((j) => ref.n[j]! > 0).sort((x, y) => Math.abs(x - b) - Math.abs(y - b) || x - y)[0];
    if (from === undefined) continue;
    for (const key of ['n', 'mae', 'mse', 'varAbs', 'varSq'] as const) ref[key][b] = ref[key][from]!;
  }
  ref.values = { mae: abs / n, rmse: Math.sqrt(sq / n) };
  return { calibration: { cls: '', method: 'residual_bins', edges, values: ref.mae, nRef: n, positives: abs, cvBrier: null }, reference: ref };
}

/** Per segment of a range: rows per reference bin (all, labelled) and the labelled rows' realized error sums. */
export async function regressionSums(store: Store, src: Source, edges: readonly number[], signal?: AbortSignal): Promise<Map<string, RegressionBinSums>> {
  const k = edges.length + 1;
  const rows = await store.query<{ segment: string; n_all: string; n_lab_all: string; n: string[]; n_lab: string[]; abs_sum: number; sq_sum: number }>(
    `SELECT segment, count() AS n_all, countIf(lab = 1) AS n_lab_all,
            sumForEachIf(onehot, ok) AS n, sumForEachIf(onehot, ok AND lab = 1) AS n_lab,
            sumIf(abs(y_num - yhat_num), ok AND lab = 1) AS abs_sum, sumIf((y_num - yhat_num) * (y_num - yhat_num), ok AND lab = 1) AS sq_sum
     FROM (SELECT segment, lab, y_num, yhat_num, ${FINITE_PRED} AS ok,
                  arrayMap(b -> toUInt8(b = arrayCount(x -> ifNull(yhat_num, 0) > x, arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {edges:Array(String)}))), range({k:UInt32})) AS onehot
           FROM (${src.sql}))
     GROUP BY segment ORDER BY segment`,
    { params: { ...src.params, edges: edges.map(floatBits), k }, signal },
  );
  const fill = (a: unknown) => Array.from({ length: k }, (_, i) => Number((a as unknown[])?.[i] ?? 0));
  return new Map(
    rows.map((r) => [
      r.segment,
      { segment: r.segment, rows: Number(r.n_all), labelledRows: Number(r.n_lab_all), n: fill(r.n), nLab: fill(r.n_lab), absSum: Number(r.abs_sum), sqSum: Number(r.sq_sum) },
    ]),
  );
}

export interface RegressionEstimate {
  n: number;
  mae: number | null;
  rmse: number | null;
  seMae: number | null;
  seRmse: number | null;
}

/** Estimated MAE and RMSE (and their standard errors) of rows distributed over the bins as `counts`. */
export function estimateRegression(ref: RegressionReference, counts: readonly number[]): RegressionEstimate {
  const n = counts.reduce((s, c) => s + c, 0);
  if (n <= 0) return { n, mae: null, rmse: null, seMae: null, seRmse: null };
  let mae = 0;
  let mse = 0;
  let vAbs = 0;
  let vSq = 0;
  counts.forEach((c, b) => {
    if (c <= 0) return;
    const nRef = ref.n[b] ?? 0;
    mae += c * (ref.mae[b] ?? 0);
    mse += c * (ref.mse[b] ?? 0);
    const share = c / n;
    vAbs += (c * (ref.varAbs[b] ?? 0)) / (n * n) + (nRef > 0 ? (share * share * (ref.varAbs[b] ?? 0)) / nRef : Infinity);
    vSq += (c * (ref.varSq[b] ?? 0)) / (n * n) + (nRef > 0 ? (share * share * (ref.varSq[b] ?? 0)) / nRef : Infinity);
  });
  mae /= n;
  const rmse = Math.sqrt(mse / n);
  const seMae = Number.isFinite(vAbs) ? Math.sqrt(vAbs) : null;
  const seRmse = Number.isFinite(vSq) && rmse > 0 ? Math.sqrt(vSq) / (2 * rmse) : null;
  return { n, mae, rmse, seMae, seRmse };
}

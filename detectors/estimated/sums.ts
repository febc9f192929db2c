// The engine's side of classifier estimation: per segment of a range, the
// expected confusion sums over every scored row, the same over the labelled
// rows only, the realized confusion counts of the labelled rows, and the
// weighted rank sums of each class (expected, expected over labelled rows,
// realized). Two queries; Node receives one row per segment (and class).
// Formulas in metrics.ts.
import type { Store } from '../../src/core/store/store.ts';
import type { Calibrator } from './calibrate.ts';
import type { AucSums, ConfusionSums } from './metrics.ts';
import { rowArrays, type ClassLayout } from './score-sql.ts';
import type { Source } from './source.ts';

export interface SegmentSums {
  segment: string;
  /** Rows, scored or not. */
  rows: number;
  /** Rows with a usable label within the horizon, scored or not. */
  labelledRows: number;
  /** Over every scored row (p = calibrated probability). */
  expected: ConfusionSums;
  /** Over the scored rows with a label. */
  expectedLabelled: ConfusionSums;
  /** Counts of the scored rows with a label (p = [y = class]). */
  realized: ConfusionSums;
  auc: AucSums[];
  aucLabelled: AucSums[];
  aucRealized: AucSums[];
}

const nums = (v: unknown, k: number): number[] => {
  const a = Array.isArray(v) ? v.map(Number) : [];
  return Array.from({ length: k }, (_, i) => a[i] ?? 0);
};

function confusion(n: unknown, pred: unknown, trueW: unknown, tp: unknown, k: number): ConfusionSums {
  const [p, t, x] = [nums(pred, k), nums(trueW, k), nums(tp, k)];
  return { n: Number(n), classes: p.map((_, i) => ({ pred: p[i]!, trueW: t[i]!, tp: x[i]! })) };
}

interface ConfusionRow {
  segment: string;
  n_all: string;
  n: string;
  n_lab_all: string;
  n_lab: string;
  [k: string]: unknown;
}

interface AucRow {
  segment: string;
  i: number;
  num: number;
  pos: number;
  neg: number;
  num_l: number;
  pos_l: number;
  neg_l: number;
  num_r: number;
  pos_r: number;
  neg_r: number;
}

/** The source's rows with the per-class arrays of score-sql.ts: segment, event_id, lab, scored, S, YP, YT, P. */
export function scoredRows(src: Source, layout: ClassLayout, calibrators?: readonly Pick<Calibrator, 'edges' | 'values'>[]): Source {
  const arrays = rowArrays(layout, calibrators);
  return { sql: `SELECT segment, event_id, lab, ${arrays.select} FROM (SELECT * FROM (${src.sql}))`, params: { ...src.params, ...arrays.params } };
}

export async function classifierSums(
  store: Store,
  src: Source,
  layout: ClassLayout,
  calibrators: readonly Pick<Calibrator, 'edges' | 'values'>[] | undefined,
  signal?: AbortSignal,
): Promise<Map<string, SegmentSums>> {
  const { sql: rowsSql, params } = scoredRows(src, layout, calibrators);
  const L = 'scored AND lab = 1';
  const confusionRows = await store.query<ConfusionRow>(
    `SELECT segment, count() AS n_all, countIf(scored) AS n, countIf(lab = 1) AS n_lab_all, countIf(${L}) AS n_lab,
            sumForEachIf(YP, scored) AS pred, sumForEachIf(P, scored) AS true_w, sumForEachIf(arrayMap((p, q) -> p * q, P, YP), scored) AS tp,
            sumForEachIf(YP, ${L}) AS pred_l, sumForEachIf(P, ${L}) AS true_l, sumForEachIf(arrayMap((p, q) -> p * q, P, YP), ${L}) AS tp_l,
            sumForEachIf(YT, ${L}) AS true_r, sumForEachIf(arrayMap((a, b) -> a * b, YT, YP), ${L}) AS tp_r
     FROM (${rowsSql}) GROUP BY segment ORDER BY segment`,
    { params, signal },
  );
  const k = layout.classes.length;
  const out = new Map<string, SegmentSums>();
  const noAuc = (): AucSums[] => Array.from({ length: k }, () => ({ num: 0, pos: 0, neg: 0 }));
  for (const r of confusionRows) {
    out.set(r.segment, {
      segment: r.segment,
      rows: Number(r.n_all),
      labelledRows: Number(r.n_lab_all),
      expected: confusion(r.n, r.pred, r.true_w, r.tp, k),
      expectedLabelled: confusion(r.n_lab, r.pred_l, r.true_l, r.tp_l, k),
      realized: confusion(r.n_lab, r.pred_l, r.true_r, r.tp_r, k),
      auc: noAuc(),
      aucLabelled: noAuc(),
      aucRealized: noAuc(),
    });
  }
  if (layout.task === 'confidence' || out.size === 0) return out;

  // Rank sums: rows grouped by the raw score of each class, running sums of
  // the negative weight below each score, ties counted half.
  const aucRows = await store.query<AucRow>(
    `SELECT segment, i, sum(w1 * (w0_below + w0 / 2)) AS num, sum(w1) AS pos, sum(w0) AS neg,
            sum(w1l * (w0l_below + w0l / 2)) AS num_l, sum(w1l) AS pos_l, sum(w0l) AS neg_l,
            sum(r1 * (r0_below + r0 / 2)) AS num_r, sum(r1) AS pos_r, sum(r0) AS neg_r
     FROM (
        SELECT segment, i, w1, w0, w1l, w0l, r1, r0,
               sum(w0) OVER win AS w0_below, sum(w0l) OVER win AS w0l_below, sum(r0) OVER win AS r0_below
        FROM (
            SELECT segment, i, score, sum(p) AS w1, sum(1 - p) AS w0, sumIf(p, lab = 1) AS w1l, sumIf(1 - p, lab = 1) AS w0l,
                   toFloat64(countIf(lab = 1 AND yt = 1)) AS r1, toFloat64(countIf(lab = 1 AND yt = 0)) AS r0
            FROM (SELECT segment, lab, arrayJoin(arrayEnumerate(S)) AS i, S[i] AS score, P[i] AS p, YT[i] AS yt FROM (${rowsSql}) WHERE scored)
            GROUP BY segment, i, score)
        WINDOW win AS (PARTITION BY segment, i ORDER BY score ASC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
     GROUP BY segment, i`,
    { params, signal },
  );
  for (const r of aucRows) {
    const s = out.get(r.segment);
    const i = Number(r.i) - 1;
    if (!s || i < 0 || i >= k) continue;
    s.auc[i] = { num: Number(r.num), pos: Number(r.pos), neg: Number(r.neg) };
    s.aucLabelled[i] = { num: Number(r.num_l), pos: Number(r.pos_l), neg: Number(r.neg_l) };
    s.aucRealized[i] = { num: Number(r.num_r), pos: Number(r.pos_r), neg: Number(r.neg_r) };
  }
  return out;
}

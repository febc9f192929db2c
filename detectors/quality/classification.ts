// Classification quality pushed down: one pass for confusion cells and
// calibration bins, one for log loss and Brier sums, one for ROC AUC rank
// sums (mid-ranks by GROUP BY score and a running count of lower negatives).
// Definitions in metrics.ts.
import type { Store } from '../../src/core/store/store.ts';
import { floatLiteral } from '../compare/sql.ts';
import { DECILE_LEVELS } from '../stats/bins.ts';
import type { Side } from '../operational/sides.ts';
import type { QualityContext } from './context.ts';
import { aucFromRankSums, classificationScores, expectedCalibrationError, FLOAT64_EPS, sortClasses, type CalibrationBin, type ConfusionCell } from './metrics.ts';
import { emptyMetrics, sideKey, type SideMetrics } from './side-metrics.ts';
import { CLASS_LABEL_OK, labelledSource, POSITIVE_SCORE } from './sql.ts';

const num = (v: unknown) => Number(v);

type Cells = Map<string, { cells: ConfusionCell[]; bins: Map<number, CalibrationBin> }>;

/** The labelled rows' source, the filter for usable rows and their parameters, shared by the three passes. */
interface Pass {
  store: Store;
  ctx: QualityContext & { model: string };
  src: { sql: string; params: Record<string, unknown> };
  usable: string;
  params: Record<string, unknown>;
}

/** How the model's classes are scored: binary (one positive class) or one-vs-rest. */
interface ClassBasis {
  classes: string[];
  binary: boolean;
  pos: string;
  neg: string;
}

export async function classificationMetrics(store: Store, ctx: QualityContext & { model: string }): Promise<Map<string, SideMetrics>> {
  const src = labelledSource(ctx, 'INNER');
  const pass: Pass = { store, ctx, src, usable: `has_label = 1 AND in_horizon AND ${CLASS_LABEL_OK}`, params: { ...src.params, model: ctx.model } };
  const { bySide, labels } = await confusionPass(pass);
  const basis = classBasis(labels, ctx.positiveClass?.[ctx.model]);
  const out = new Map<string, SideMetrics>();
  for (const [k, e] of bySide) out.set(k, countMetrics(e));
  addProbabilityMetrics(out, await probabilityPass(pass, basis), basis.binary);
  addAuc(out, bySide, await rankPass(pass, basis), basis.binary);
  return out;
}

/** Confusion cells and calibration bins in one pass. The confidence of the
 *  predicted class: the confidence field, else its entry in probabilities. */
async function confusionPass(p: Pass): Promise<{ bySide: Cells; labels: string[] }> {
  const cells = await p.store.query<{ side: Side; model_version: string; y: string; yhat: string; bin: number; n: number; conf_sum: number }>(
    `SELECT side, model_version, y, yhat, bin, count() AS n, sum(conf) AS conf_sum
     FROM (
        SELECT side, model_version, y, yhat,
               multiIf(confidence IS NOT NULL, confidence, mapContains(probabilities, yhat), probabilities[yhat], NULL) AS conf,
               if(conf IS NULL, -1, arrayCount(e -> conf > e, [${DECILE_LEVELS.map(floatLiteral).join(', ')}])) AS bin
        FROM (${p.src.sql}) WHERE ${p.usable})
     GROUP BY side, model_version, y, yhat, bin`,
    { params: p.params, signal: p.ctx.signal },
  );
  const bySide: Cells = new Map();
  for (const c of cells) {
    const k = sideKey(c.side, c.model_version);
    const e = bySide.get(k) ?? { cells: [] as ConfusionCell[], bins: new Map<number, CalibrationBin>() };
    const n = num(c.n);
    e.cells.push({ y: c.y, yhat: c.yhat, n });
    const bin = num(c.bin);
    const b = e.bins.get(bin) ?? { bin, n: 0, correct: 0, confSum: 0 };
    b.n += n;
    b.correct += c.y === c.yhat ? n : 0;
    b.confSum += num(c.conf_sum);
    e.bins.set(bin, b);
    bySide.set(k, e);
  }
  return { bySide, labels: cells.flatMap((c) => [c.y, c.yhat]) };
}

/** The model's classes over both sides decide binary or multi-class, so both
 *  sides score the same positive class. */
function classBasis(labels: string[], configuredPos: string | undefined): ClassBasis {
  const classes = sortClasses(labels);
  const binary = classes.length === 2 || (classes.length === 1 && configuredPos !== undefined);
  const pos = configuredPos ?? classes[classes.length - 1] ?? '';
  return { classes, binary, pos, neg: classes.find((c) => c !== pos) ?? '' };
}

type ProbRow = { side: Side; model_version: string; n: number; ll_n: number; ll_sum: number | null; brier_n: number; brier_sum: number | null };

/** Log loss and Brier sums. Multi-class: the probability given to the true
 *  class (0 when the map leaves it out); from the confidence only when the
 *  prediction was right. */
async function probabilityPass(p: Pass, b: ClassBasis): Promise<ProbRow[]> {
  const pTrue = b.binary
    ? `if(y = {pos:String}, p_pos, 1 - p_pos)`
    : `multiIf(mapContains(probabilities, y), probabilities[y], length(probabilities) > 0, 0, confidence IS NOT NULL AND y = yhat, confidence, NULL)`;
  const eps = floatLiteral(FLOAT64_EPS);
  return p.store.query<ProbRow>(
    `SELECT side, model_version, count() AS n, count(p_true) AS ll_n, sum(-log(least(greatest(p_true, ${eps}), 1 - ${eps}))) AS ll_sum,
            count(p_pos) AS brier_n, sum(pow(p_pos - (y = {pos:String}), 2)) AS brier_sum
     FROM (SELECT side, model_version, y, ${b.binary ? POSITIVE_SCORE : 'CAST(NULL AS Nullable(Float64))'} AS p_pos, ${pTrue} AS p_true FROM (${p.src.sql}) WHERE ${p.usable})
     GROUP BY side, model_version`,
    { params: { ...p.params, pos: b.pos, neg: b.neg }, signal: p.ctx.signal },
  );
}

type RankRow = { side: Side; model_version: string; cls: string; n_pos: number; n_neg: number; twice_u: number };

/** ROC AUC rank sums per class: binary scores the positive class only;
 *  multi-class one-vs-rest over every class, each scored by its probability. */
async function rankPass(p: Pass, b: ClassBasis): Promise<RankRow[]> {
  const score = b.binary ? POSITIVE_SCORE : `if(length(probabilities) > 0, probabilities[cls], NULL)`;
  return p.store.query<RankRow>(
    `SELECT side, model_version, cls, sum(pos) AS n_pos, sum(neg) AS n_neg, sum(pos * (2 * neg_below + neg)) AS twice_u
     FROM (
        SELECT side, model_version, cls, pos, neg,
               sum(neg) OVER (PARTITION BY side, model_version, cls ORDER BY score ASC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS neg_below
        FROM (
            SELECT side, model_version, cls, score, countIf(y = cls) AS pos, countIf(y != cls) AS neg
            FROM (SELECT side, model_version, y, arrayJoin({classes:Array(String)}) AS cls, ${score} AS score FROM (${p.src.sql}) WHERE ${p.usable})
            WHERE score IS NOT NULL
            GROUP BY side, model_version, cls, score))
     GROUP BY side, model_version, cls`,
    { params: { ...p.params, pos: b.pos, neg: b.neg, classes: b.binary ? [b.pos] : b.classes }, signal: p.ctx.signal },
  );
}

/** Accuracy, precision, recall, F1 (macro and per class) and ECE from the confusion pass. */
function countMetrics(e: { cells: ConfusionCell[]; bins: Map<number, CalibrationBin> }): SideMetrics {
  const m = emptyMetrics();
  const s = classificationScores(e.cells);
  m.correct = s.correct;
  m.classes = s.classes;
  m.values.set('accuracy', s.accuracy);
  m.values.set('precision_macro', s.precisionMacro);
  m.values.set('recall_macro', s.recallMacro);
  m.values.set('f1_macro', s.f1Macro);
  for (const c of s.perClass) {
    m.values.set(`precision:${c.cls}`, c.precision);
    m.values.set(`recall:${c.cls}`, c.recall);
    m.values.set(`f1:${c.cls}`, c.f1);
  }
  const ece = expectedCalibrationError([...e.bins.values()]);
  m.values.set('ece', ece);
  if (ece === null) m.reasons.set('ece', 'a labelled prediction has no confidence');
  return m;
}

/** Log loss and Brier: reported only when every labelled prediction had the probability they need. */
function addProbabilityMetrics(out: Map<string, SideMetrics>, probs: ProbRow[], binary: boolean): void {
  for (const p of probs) {
    const m = out.get(sideKey(p.side, p.model_version));
    if (!m) continue;
    const n = num(p.n);
    const complete = (have: number, metric: string, why: string): boolean => {
      if (have === n) return true;
      m.values.set(metric, null);
      m.reasons.set(metric, why);
      return false;
    };
    if (complete(num(p.ll_n), 'log_loss', binary ? 'a labelled prediction has neither probabilities nor a confidence' : 'a labelled prediction has no probability for its true class')) {
      m.values.set('log_loss', num(p.ll_sum) / n);
    }
    if (!binary) {
      m.values.set('brier', null);
      m.reasons.set('brier', 'Brier score is reported for binary classifiers only');
    } else if (complete(num(p.brier_n), 'brier', 'a labelled prediction has neither probabilities nor a confidence')) {
      m.values.set('brier', num(p.brier_sum) / n);
    }
  }
}

/** ROC AUC per side: binary, or the one-vs-rest macro average. */
function addAuc(out: Map<string, SideMetrics>, bySide: Cells, ranks: RankRow[], binary: boolean): void {
  const aucParts = new Map<string, number[]>();
  for (const r of ranks) {
    const k = sideKey(r.side, r.model_version);
    const m = out.get(k);
    if (!m) continue;
    const nPos = num(r.n_pos);
    const nNeg = num(r.n_neg);
    const total = (bySide.get(k)?.cells ?? []).reduce((sum, c) => sum + c.n, 0);
    if (nPos + nNeg !== total) {
      m.reasons.set('roc_auc', binary ? 'a labelled prediction has neither probabilities nor a confidence' : 'a labelled prediction has no probabilities');
      aucParts.set(k, [Number.NaN]);
      continue;
    }
    // OvR macro: only classes present in y_true take part (sklearn's labels = unique(y_true)).
    if (!binary && nPos === 0) continue;
    const auc = aucFromRankSums({ nPos, nNeg, twiceU: num(r.twice_u) });
    aucParts.set(k, [...(aucParts.get(k) ?? []), auc ?? Number.NaN]);
  }
  for (const [k, m] of out) {
    const parts = aucParts.get(k) ?? [];
    const auc = parts.length === 0 || parts.some((v) => Number.isNaN(v)) ? null : parts.reduce((a, b) => a + b, 0) / parts.length;
    m.values.set('roc_auc', auc);
    if (auc === null && !m.reasons.has('roc_auc')) m.reasons.set('roc_auc', 'ROC AUC needs both classes among the labels and a score for every labelled prediction');
  }
}

// One comparison's feature reports (report/feature.ts, the same as compare's)
// from the engine's aggregates, written out as score rows (rows.ts): every
// feature, then confidence (distribution, mean drop, share below the floor)
// and the prediction (regressor: distribution of prediction_num; classifier:
// the classes).
import { sortCategories } from '../stats/categories.ts';
import type { Severity } from '../stats/severity.ts';
import { categoricalFeature, numericFeature } from '../report/feature.ts';
import { num } from '../compare/sql.ts';
import { PREDICTION_KEY, type CategoryCounts } from './categories.ts';
import type { NumericAggregates, NumericColumn } from './column.ts';
import type { Plan } from './plan.ts';
import type { Profiles } from './profile.ts';
import { SEVERITY_STATUS, type RowWriter } from './rows.ts';

const NO_AGGREGATES: NumericAggregates = { edges: null, binsRef: [], binsCur: [], ecdf: null };
const noCounts = (): { ref: Map<string, number>; cur: Map<string, number> } => ({ ref: new Map(), cur: new Map() });

export function featureReports(w: RowWriter, p: Profiles, pl: Plan, numAgg: ReadonlyMap<number, NumericAggregates>, cats: CategoryCounts): void {
  const { events } = p;
  for (const f of pl.features) {
    const pr = p.features.ref.get(f);
    const pc = p.features.cur.get(f);
    if (pl.isNumeric(f)) {
      const a = numAgg.get(pl.numericNames.indexOf(f)) ?? NO_AGGREGATES;
      const nRef = pr?.fin ?? 0;
      const nCur = pc?.fin ?? 0;
      const rep = numericFeature(
        {
          name: f,
          ref: { rows: events.ref, missing: Math.max(0, events.ref - nRef) },
          cur: { rows: events.cur, missing: Math.max(0, events.cur - nCur) },
          edges: a.edges,
          binsRef: a.binsRef,
          binsCur: a.binsCur,
          ecdf: nRef > 0 && nCur > 0 ? a.ecdf : null,
        },
        w.sev,
      );
      w.featureRows(f, '', rep, true);
    } else {
      const m = cats.get(f) ?? noCounts();
      const categories = sortCategories([...m.ref.keys(), ...m.cur.keys()]);
      const nRef = (pr?.fin ?? 0) + (pr?.other ?? 0);
      const nCur = (pc?.fin ?? 0) + (pc?.other ?? 0);
      const rep = categoricalFeature(
        {
          name: f,
          ref: { rows: events.ref, missing: Math.max(0, events.ref - nRef) },
          cur: { rows: events.cur, missing: Math.max(0, events.cur - nCur) },
          categories,
          countsRef: categories.map((k) => m.ref.get(k) ?? 0),
          countsCur: categories.map((k) => m.cur.get(k) ?? 0),
        },
        w.sev,
      );
      w.featureRows(f, '', rep, true);
    }
  }
}

/** Confidence: its distribution, the drop of its mean, and the rise of the share below the floor. */
export function confidenceReports(w: RowWriter, p: Profiles, pl: Plan, numAgg: ReadonlyMap<number, NumericAggregates>): void {
  const t = w.t;
  const col = pl.cols.find((x) => x.id === pl.confId) as NumericColumn;
  const a = numAgg.get(pl.confId) ?? NO_AGGREGATES;
  const rep = numericFeature({ name: '', ref: { rows: col.nRef, missing: 0 }, cur: { rows: col.nCur, missing: 0 }, edges: a.edges, binsRef: a.binsRef, binsCur: a.binsCur, ecdf: col.nRef > 0 && col.nCur > 0 ? a.ecdf : null }, w.sev);
  w.featureRows('', 'confidence_', rep, false);
  const ok = w.enough(col.nRef, col.nCur);
  const n = { n_ref: col.nRef, n_cur: col.nCur };
  const pRef = p.pred.get('ref');
  const pCur = p.pred.get('cur');
  const meanRef = col.nRef > 0 ? num(pRef?.conf_sum ?? 0) / col.nRef : null;
  const meanCur = col.nCur > 0 ? num(pCur?.conf_sum ?? 0) / col.nCur : null;
  const drop = meanRef !== null && meanCur !== null ? meanRef - meanCur : null;
  const dropBand: Severity = drop === null ? 'none' : drop >= t.confidence_drop_alert ? 'alert' : drop >= t.confidence_drop_warn ? 'warn' : 'none';
  w.push('', 'confidence_mean_drop', drop, ok ? SEVERITY_STATUS[dropBand] : 'insufficient_data', { ...n, threshold: t.confidence_drop_alert, detailsObj: { mean_ref: meanRef, mean_cur: meanCur } });
  const shareRef = col.nRef > 0 ? num(pRef?.conf_below ?? 0) / col.nRef : null;
  const shareCur = col.nCur > 0 ? num(pCur?.conf_below ?? 0) / col.nCur : null;
  const rise = shareRef !== null && shareCur !== null ? shareCur - shareRef : null;
  const riseBand: Severity = rise === null ? 'none' : rise >= t.below_floor_alert ? 'alert' : rise >= t.below_floor_warn ? 'warn' : 'none';
  w.push('', 'confidence_below_floor_share', shareCur, ok ? SEVERITY_STATUS[riseBand] : 'insufficient_data', {
    ...n,
    threshold: t.below_floor_alert,
    detailsObj: { floor: t.confidence_floor, ref: shareRef, increase: rise },
  });
}

/** The prediction: prediction_num's distribution (regressor) or the classes (classifier). */
export function predictionReports(w: RowWriter, pl: Plan, numAgg: ReadonlyMap<number, NumericAggregates>, cats: CategoryCounts): void {
  if (pl.regressor) {
    const col = pl.cols.find((x) => x.id === pl.predId) as NumericColumn;
    const a = numAgg.get(pl.predId) ?? NO_AGGREGATES;
    const rep = numericFeature({ name: '', ref: { rows: col.nRef, missing: 0 }, cur: { rows: col.nCur, missing: 0 }, edges: a.edges, binsRef: a.binsRef, binsCur: a.binsCur, ecdf: a.ecdf }, w.sev);
    w.featureRows('', 'prediction_', rep, false);
    return;
  }
  const m = cats.get(PREDICTION_KEY) ?? noCounts();
  const categories = sortCategories([...m.ref.keys(), ...m.cur.keys()]);
  const countsRef = categories.map((k) => m.ref.get(k) ?? 0);
  const countsCur = categories.map((k) => m.cur.get(k) ?? 0);
  const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  const rep = categoricalFeature({ name: '', ref: { rows: sum(countsRef), missing: 0 }, cur: { rows: sum(countsCur), missing: 0 }, categories, countsRef, countsCur }, w.sev);
  w.featureRows('', 'prediction_', rep, false);
}

// What one comparison scores, decided from the profiles: which features are
// numeric (every present value a finite or non-finite number, not forced
// categorical) or categorical, and the numeric columns the engine works on
// (features, then confidence and prediction_num).
import type { QueryParams } from '../../src/core/store/store.ts';
import { globMatcher } from '../../src/core/util/glob.ts';
import { sortCategories } from '../stats/categories.ts';
import { num } from '../compare/sql.ts';
import type { Side } from '../operational/sides.ts';
import { columnCells } from './cells.ts';
import type { NumericColumn } from './column.ts';
import type { DriftJobConfig } from './config.ts';
import { finite, type ComparisonSql, type Profiles } from './profile.ts';

export type Metric = DriftJobConfig['metrics'][number];

export interface Plan {
  metrics: ReadonlySet<Metric>;
  features: string[];
  isNumeric: (f: string) => boolean;
  numericNames: string[];
  categoricalNames: string[];
  cols: NumericColumn[];
  /** Column ids of confidence and prediction_num (after the features). */
  confId: number;
  predId: number;
  doConfidence: boolean;
  doPrediction: boolean;
  /** Every prediction on both sides has prediction_num. */
  regressor: boolean;
  /** Query params naming the numeric features (f0, f1, ...). */
  params: QueryParams;
}

export function plan(o: { metrics?: readonly Metric[] | undefined; features?: readonly string[] | undefined; categorical?: readonly string[] | undefined }, c: ComparisonSql, p: Profiles): Plan {
  const metrics = new Set<Metric>(o.metrics ?? ['features', 'missing', 'confidence', 'prediction']);
  const wantFeature = globMatcher(o.features);
  const forced = globMatcher(o.categorical && o.categorical.length ? o.categorical : ['\u0000never']);
  const prof = p.features;
  const doFeatures = metrics.has('features') || metrics.has('missing');
  const features = doFeatures ? sortCategories([...new Set([...prof.ref.keys(), ...prof.cur.keys()])]).filter(wantFeature) : [];
  const isNumeric = (f: string): boolean => !forced(f) && (prof.ref.get(f)?.other ?? 0) === 0 && (prof.cur.get(f)?.other ?? 0) === 0;
  const numericNames = features.filter(isNumeric);
  const categoricalNames = features.filter((f) => !isNumeric(f));

  const cols: NumericColumn[] = [];
  const params: QueryParams = {};
  numericNames.forEach((f, i) => {
    params[`f${i}`] = f;
    const pr = prof.ref.get(f);
    const pc = prof.cur.get(f);
    cols.push({
      id: i,
      nRef: pr?.fin ?? 0,
      nCur: pc?.fin ?? 0,
      cells: columnCells({ ref: pr?.cells ?? [], cur: pc?.cells ?? [] }),
      branch: (s) => `SELECT value_num + 0. AS v FROM ${c.sides[s].valuesTable} WHERE ${c.sides[s].values} AND feature = {f${i}:String} AND kind = 'number' AND isFinite(value_num)`,
    });
  });
  const live = (s: Side): boolean => c.sides[s].predictions !== null;
  const bothLive = live('ref') && live('cur');
  const pRef = p.pred.get('ref');
  const pCur = p.pred.get('cur');
  const predCol = (id: number, expr: 'confidence' | 'prediction_num', pref: 'conf' | 'pn'): NumericColumn => ({
    id,
    nRef: pRef ? num(pRef[`${pref}_n`]) : 0,
    nCur: pCur ? num(pCur[`${pref}_n`]) : 0,
    cells: columnCells({ ref: p.predCells.ref.get(expr) ?? [], cur: p.predCells.cur.get(expr) ?? [] }),
    branch: (s) => `SELECT assumeNotNull(${expr}) + 0. AS v FROM predictions WHERE ${c.sides[s].predictions as string} AND ${finite(expr)}`,
  });
  const confId = numericNames.length;
  const predId = numericNames.length + 1;
  const { events } = p;
  const doConfidence = metrics.has('confidence') && bothLive && (num(pRef?.conf_n ?? 0) > 0 || num(pCur?.conf_n ?? 0) > 0);
  const regressor = bothLive && events.ref > 0 && events.cur > 0 && num(pRef?.pn_n ?? 0) === events.ref && num(pCur?.pn_n ?? 0) === events.cur;
  const doPrediction = metrics.has('prediction') && bothLive && (events.ref > 0 || events.cur > 0);
  if (doConfidence) cols.push(predCol(confId, 'confidence', 'conf'));
  if (doPrediction && regressor) cols.push(predCol(predId, 'prediction_num', 'pn'));
  return { metrics, features, isNumeric, numericNames, categoricalNames, cols, confId, predId, doConfidence, doPrediction, regressor, params };
}

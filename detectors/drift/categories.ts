// Category counts per side for one comparison: the categorical features
// (strings and booleans as stored; numbers of mixed or forced-categorical
// features by their shortest text), and the classes of a classifier.
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { num } from '../compare/sql.ts';
import { SIDES, type Side } from '../operational/sides.ts';
import { query } from './column.ts';
import type { Plan } from './plan.ts';
import type { ComparisonSql, Profiles } from './profile.ts';

/** Key of the classifier's classes in the result. */
export const PREDICTION_KEY = '\u0000prediction';

export type CategoryCounts = Map<string, { ref: Map<string, number>; cur: Map<string, number> }>;

export async function categoryCounts(store: Store, c: ComparisonSql, p: Profiles, pl: Plan): Promise<CategoryCounts> {
  const branches: string[] = [];
  const params: QueryParams = { ...c.params, ...pl.params, cat_names: pl.categoricalNames };
  if (pl.categoricalNames.length && pl.metrics.has('features')) {
    // Strings and booleans grouped on the stored value; numbers (mixed or forced-categorical features only) on their bits,
    // formatted after grouping: toString on every row costs more than the grouping itself.
    const withNumbers = pl.categoricalNames.filter((f) => (p.features.ref.get(f)?.numbers ?? 0) + (p.features.cur.get(f)?.numbers ?? 0) > 0);
    for (const s of SIDES) {
      branches.push(
        `SELECT '${s}' AS side, toUInt8(0) AS pred, feature, toString(value_str) AS cat, toFloat64(count()) AS n
         FROM ${c.sides[s].valuesTable} WHERE ${c.sides[s].values} AND kind IN ('string', 'bool') AND feature IN {cat_names:Array(String)} GROUP BY feature, value_str`,
      );
      if (withNumbers.length)
        branches.push(
          `SELECT side, pred, feature, toString(reinterpretAsFloat64(bits)) AS cat, n FROM (
             SELECT '${s}' AS side, toUInt8(0) AS pred, feature, reinterpretAsUInt64(value_num + 0.) AS bits, toFloat64(count()) AS n
             FROM ${c.sides[s].valuesTable} WHERE ${c.sides[s].values} AND kind = 'number' AND feature IN {cat_num_names:Array(String)} GROUP BY feature, bits)`,
        );
    }
    params.cat_num_names = withNumbers;
  }
  if (pl.doPrediction && !pl.regressor) {
    for (const s of SIDES)
      branches.push(`SELECT '${s}' AS side, toUInt8(1) AS pred, '' AS feature, prediction AS cat, toFloat64(count()) AS n FROM predictions WHERE ${c.sides[s].predictions as string} AND prediction != '' GROUP BY cat`);
  }
  const rows = branches.length ? await query<{ side: Side; pred: number; feature: string; cat: string; n: number }>(store, branches.join('\nUNION ALL\n'), params, c.signal) : [];
  const cats: CategoryCounts = new Map();
  for (const r of rows) {
    const key = num(r.pred) ? PREDICTION_KEY : r.feature;
    let m = cats.get(key);
    if (!m) cats.set(key, (m = { ref: new Map(), cur: new Map() }));
    m[r.side].set(r.cat, (m[r.side].get(r.cat) ?? 0) + num(r.n));
  }
  return cats;
}

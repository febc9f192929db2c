// The drift detector's first pass over a comparison's two sides: events per
// side and the model-level columns' profiles (predictions), the cells of
// confidence and prediction_num, and per feature its kinds and the cells of
// its finite numbers (feature_values). Everything after starts from this.
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { num } from '../compare/sql.ts';
import { SIDES, type Side } from '../operational/sides.ts';
import { cellOfKeySql, FIRST_VALUE_CELL, keySql, offsetOfKeySql, type CellRow } from './cells.ts';
import { query } from './column.ts';
import type { SideSpec, SideSql } from './sides.ts';

export interface FeatureProfile {
  /** Finite numbers. */
  fin: number;
  /** Strings and booleans. */
  other: number;
  /** Numbers, finite or not (a categorical feature counts each as a category). */
  numbers: number;
  cells: CellRow[];
}

export interface PredProfile {
  side: Side;
  events: number;
  conf_n: number;
  conf_sum: number;
  conf_below: number;
  pn_n: number;
  pc_n: number;
}

export interface Profiles {
  /** Events per side: the denominators of missing shares. */
  events: Record<Side, number>;
  /** The model-level columns per live side. */
  pred: Map<Side, PredProfile>;
  /** Per side, per feature. */
  features: Record<Side, Map<string, FeatureProfile>>;
  /** Per side, the cells of confidence and prediction_num. */
  predCells: Record<Side, Map<string, CellRow[]>>;
}

/** What a comparison reads: its two sides as SQL, their query params, whether feature_values is partitioned by day. */
export interface ComparisonSql {
  ref: SideSpec;
  cur: SideSpec;
  sides: Record<Side, SideSql>;
  params: QueryParams;
  byDay: boolean;
  signal?: AbortSignal | undefined;
}

/** Cell codes of a feature row that is not a finite number (value cells start at FIRST_VALUE_CELL); `k` is value_num's key. */
const KIND_CELL = `multiIf(kind != 'number', toUInt32(kind), isFinite(value_num), ${cellOfKeySql('k')}, toUInt32(1))`; // 0 missing, 1 non-finite, 2 string, 3 bool
/** Above this many features, one grouped pass instead of a branch per feature. */
const PER_FEATURE_BRANCHES = 64;
const NON_FINITE_CELL = 1;
const STRING_CELL = 2;
const BOOL_CELL = 3;

const yyyymmdd = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
};

const partitionKeys = new WeakMap<Store, Promise<boolean>>();
/** feature_values is partitioned by UTC day (sql/001_core.sql); checked once per store so a schema change cannot make the feature list short. */
export function daysPartitioned(store: Store): Promise<boolean> {
  let p = partitionKeys.get(store);
  if (!p) {
    p = store
      .query<{ k: string }>(`SELECT partition_key AS k FROM system.tables WHERE database = currentDatabase() AND name = 'feature_values'`)
      .then((r) => r[0]?.k.replace(/\s+/g, '') === 'toYYYYMMDD(ts)')
      .catch(() => false);
    partitionKeys.set(store, p);
  }
  return p;
}

export const finite = (x: string): string => `${x} IS NOT NULL AND isFinite(assumeNotNull(${x}))`;

/**
 * Per cell: count, values at the cell's low, and over the values inside: offset sum, lowest and highest offset
 * (cell ulps), from a subquery's column `o` (the value's offset, cells.ts offsetOfKeySql, computed there once).
 */
const cellAggregates = (isValue: string): string =>
  `toFloat64(count()) AS c, toFloat64(countIf(${isValue} AND o = 0)) AS e, sum(if(${isValue}, toFloat64(o), 0)) AS s,
   minIf(toFloat64(o), ${isValue} AND o != 0) AS mn, maxIf(toFloat64(o), ${isValue} AND o != 0) AS mx`;

/** Events and the model-level columns' profiles, per live side. */
function predProfileSql(c: ComparisonSql, live: Side[]): string {
  return live
    .map(
      (s) => `SELECT '${s}' AS side, toFloat64(count()) AS events,
      toFloat64(countIf(${finite('confidence')})) AS conf_n,
      sumIf(assumeNotNull(confidence), ${finite('confidence')}) AS conf_sum,
      toFloat64(countIf(${finite('confidence')} AND assumeNotNull(confidence) < {floor:Float64})) AS conf_below,
      toFloat64(countIf(${finite('prediction_num')})) AS pn_n,
      toFloat64(countIf(prediction != '')) AS pc_n
    FROM predictions WHERE ${c.sides[s].predictions as string}`,
    )
    .join('\nUNION ALL\n');
}

/** Cells of confidence and prediction_num (cells.ts), per live side. */
function predCellsSql(c: ComparisonSql, live: Side[]): string {
  return live
    .flatMap((s) =>
      (['confidence', 'prediction_num'] as const).map(
        (x) => `SELECT '${s}' AS side, '${x}' AS col, ${cellOfKeySql('k')} AS cell, ${cellAggregates('1')}
      FROM (SELECT k, ${offsetOfKeySql('k')} AS o FROM (SELECT ${keySql(`assumeNotNull(${x}) + 0.`)} AS k FROM predictions WHERE ${c.sides[s].predictions as string} AND ${finite(x)}))
      GROUP BY cell`,
      ),
    )
    .join('\nUNION ALL\n');
}

/** One pass per side over the long table: per feature, its kinds and the cells of its finite numbers. */
/** One feature's cells on one side, as parallel arrays (one row per side and feature: far cheaper to ship than a row per cell). */
interface FeatureCellsRow {
  side: Side;
  feature: string;
  cells: Array<number | string>;
  cs: number[];
  es: number[];
  ss: number[];
  mns: number[];
  mxs: number[];
}

/** Per side and feature, the branches' cell rows folded into arrays. */
const asArrays = (union: string): string =>
  `SELECT side, feature, groupArray(cell) AS cells, groupArray(c) AS cs, groupArray(e) AS es, groupArray(s) AS ss, groupArray(mn) AS mns, groupArray(mx) AS mxs
  FROM (${union}) GROUP BY side, feature`;

async function featureCells(store: Store, c: ComparisonSql): Promise<FeatureCellsRow[]> {
  const cellsOf = (s: Side, feature: string | null): string =>
    `SELECT '${s}' AS side, ${feature ?? 'feature'} AS feature, cell, ${cellAggregates('isv')}
    FROM (SELECT feature, ${KIND_CELL} AS cell, kind = 'number' AND isFinite(value_num) AS isv, ${offsetOfKeySql('k')} AS o
      FROM (SELECT feature, value_num, kind, ${keySql('value_num')} AS k FROM ${c.sides[s].valuesTable} WHERE ${c.sides[s].values}${feature ? ` AND feature = ${feature}` : ''}))
    GROUP BY ${feature ? '' : 'feature, '}cell`;
  // One branch per feature and side groups on the cell alone, which is much cheaper than grouping on (feature,
  // cell); the list (a superset is harmless) costs a read of the feature column. Segments and long lists keep
  // the single grouped pass.
  const segmented = c.cur.source === 'live' && c.cur.segment !== undefined;
  const listParams: QueryParams = { ...c.params };
  // A live side's list: its model and version in the days the window touches (the partition, so ts is not read).
  const listCond = (s: Side): string => {
    const spec = s === 'ref' ? c.ref : c.cur;
    if (spec.source !== 'live' || !c.byDay) return c.sides[s].values;
    listParams[`${s}_list_lo`] = yyyymmdd(spec.start.getTime());
    listParams[`${s}_list_hi`] = yyyymmdd(Math.max(spec.start.getTime(), spec.end.getTime() - 1));
    return `model = {${s}_model:String} AND model_version = {${s}_version:String} AND _partition_value.1 BETWEEN {${s}_list_lo:UInt32} AND {${s}_list_hi:UInt32}`;
  };
  const table = (s: Side): string => ((s === 'ref' ? c.ref : c.cur).source === 'live' && c.byDay ? 'feature_values' : c.sides[s].valuesTable);
  const names = segmented
    ? []
    : (await query<{ feature: string }>(store, `SELECT DISTINCT feature FROM (${SIDES.map((s) => `SELECT feature FROM ${table(s)} WHERE ${listCond(s)}`).join(' UNION ALL ')})`, listParams, c.signal)).map((r) => r.feature);
  if (segmented || names.length > PER_FEATURE_BRANCHES) return query(store, asArrays(SIDES.map((s) => cellsOf(s, null)).join('\nUNION ALL\n')), c.params, c.signal);
  if (names.length === 0) return [];
  const pp: QueryParams = { ...c.params };
  names.forEach((f, i) => (pp[`p${i}`] = f));
  return query(store, asArrays(SIDES.flatMap((s) => names.map((_, i) => cellsOf(s, `{p${i}:String}`))).join('\nUNION ALL\n')), pp, c.signal);
}

type RawCellRow = { cell: number | string; c: number; e: number; s: number; mn: number; mx: number };
const cellRow = (r: RawCellRow): CellRow => ({ cell: num(r.cell), c: num(r.c), e: num(r.e), s: num(r.s), mn: num(r.mn), mx: num(r.mx) });

export async function profile(store: Store, c: ComparisonSql): Promise<Profiles> {
  const live = SIDES.filter((s) => c.sides[s].predictions !== null);
  const [predRows, predCellRows, featRows] = await Promise.all([
    live.length ? query<PredProfile>(store, predProfileSql(c, live), c.params, c.signal) : Promise.resolve([]),
    live.length ? query<RawCellRow & { side: Side; col: string }>(store, predCellsSql(c, live), c.params, c.signal) : Promise.resolve([]),
    featureCells(store, c),
  ]);
  const pred = new Map(predRows.map((r) => [r.side, r]));
  const events: Record<Side, number> = {
    ref: c.ref.source === 'dataset' ? c.ref.rows : num(pred.get('ref')?.events ?? 0),
    cur: num(pred.get('cur')?.events ?? 0),
  };
  const features: Record<Side, Map<string, FeatureProfile>> = { ref: new Map(), cur: new Map() };
  for (const r of featRows) {
    let p = features[r.side].get(r.feature);
    if (!p) features[r.side].set(r.feature, (p = { fin: 0, other: 0, numbers: 0, cells: [] }));
    for (let i = 0; i < r.cells.length; i++) {
      const row = cellRow({ cell: r.cells[i] as number | string, c: r.cs[i] as number, e: r.es[i] as number, s: r.ss[i] as number, mn: r.mns[i] as number, mx: r.mxs[i] as number });
      if (row.cell >= FIRST_VALUE_CELL) {
        p.fin += row.c;
        p.numbers += row.c;
        p.cells.push(row);
      } else if (row.cell === NON_FINITE_CELL) p.numbers += row.c;
      else if (row.cell === STRING_CELL || row.cell === BOOL_CELL) p.other += row.c;
    }
  }
  const predCells: Record<Side, Map<string, CellRow[]>> = { ref: new Map(), cur: new Map() };
  for (const r of predCellRows) {
    const m = predCells[r.side];
    const list = m.get(r.col);
    if (list) list.push(cellRow(r));
    else m.set(r.col, [cellRow(r)]);
  }
  return { events, pred, features, predCells };
}

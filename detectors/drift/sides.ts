// The two sides of one drift comparison as WHERE clauses with bound
// parameters. Model, version, feature, tag and dataset names are user data:
// they only travel as {name:Type} parameters, prefixed by side (ref_*, cur_*).
import type { QueryParams } from '../../src/core/store/store.ts';
import type { Side } from '../operational/sides.ts';

export interface Segment {
  tag: string;
  value: string;
}

/** One side: live traffic of a model version in a time range, or an imported dataset. */
export type SideSpec =
  | { source: 'live'; model: string; version: string; start: Date; end: Date; segment?: Segment }
  | { source: 'dataset'; model: string; version: string; dataset: string; importId: string; rows: number };

export interface SideSql {
  /** feature_values or baseline_values. */
  valuesTable: string;
  /** Condition on the long table (model, model_version, ts | dataset, import_id, event_id). */
  values: string;
  /** Condition on predictions; null for a dataset. */
  predictions: string | null;
  params: QueryParams;
}

const DAY = 86_400_000;
const yyyymmdd = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
};

/**
 * `dayPartitions`: feature_values is partitioned by UTC day, so the whole days
 * inside the window are selected by partition (ts is not read for them) and
 * only the partial days at its ends by ts.
 */
export function sideSql(side: Side, spec: SideSpec, dayPartitions = false): SideSql {
  const p = (k: string): string => `${side}_${k}`;
  const params: QueryParams = { [p('model')]: spec.model, [p('version')]: spec.version };
  const base = `model = {${p('model')}:String} AND model_version = {${p('version')}:String}`;
  if (spec.source === 'dataset') {
    params[p('dataset')] = spec.dataset;
    params[p('import')] = spec.importId;
    return { valuesTable: 'baseline_values', values: `${base} AND dataset = {${p('dataset')}:String} AND import_id = {${p('import')}:String}`, predictions: null, params };
  }
  params[p('start')] = spec.start.getTime();
  params[p('end')] = spec.end.getTime();
  const time = `ts >= fromUnixTimestamp64Milli({${p('start')}:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({${p('end')}:Int64}, 'UTC')`;
  let predictions = `${base} AND ${time}`;
  let values = predictions;
  if (spec.segment) {
    params[p('tag')] = spec.segment.tag;
    params[p('tag_value')] = spec.segment.value;
    predictions += ` AND tags[{${p('tag')}:String}] = {${p('tag_value')}:String}`;
    values += ` AND event_id IN (SELECT event_id FROM predictions WHERE ${predictions})`;
  }
  const t0 = spec.start.getTime();
  const t1 = spec.end.getTime();
  const fullFrom = Math.ceil(t0 / DAY) * DAY;
  const fullTo = Math.floor(t1 / DAY) * DAY;
  if (dayPartitions && fullFrom < fullTo) {
    params[p('day_lo')] = yyyymmdd(fullFrom);
    params[p('day_hi')] = yyyymmdd(fullTo - DAY);
    const days = `_partition_value.1 BETWEEN {${p('day_lo')}:UInt32} AND {${p('day_hi')}:UInt32}`;
    const rest = values.slice(base.length);
    const valuesTable = `(SELECT * FROM feature_values WHERE ${base} AND ${days}${rest.replace(` AND ${time}`, '')}
      UNION ALL SELECT * FROM feature_values WHERE ${values} AND NOT (${days}))`;
    return { valuesTable, values: '1', predictions, params };
  }
  return { valuesTable: 'feature_values', values, predictions, params };
}


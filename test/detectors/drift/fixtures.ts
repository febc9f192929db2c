// Predictions generated inside the engine (INSERT ... SELECT from numbers()):
// the materialized view fills feature_values. Each feature is a SQL
// expression over `n` (row number) producing the raw JSON text of its value
// (or NULL to leave the feature out of the event); names are bound parameters.
import type { Store } from '../../../src/core/store/store.ts';

export interface GenFeature {
  name: string;
  /** SQL giving the value's raw JSON text, or NULL (feature absent). */
  json: string;
}

export interface GenOptions {
  model: string;
  version: string;
  start: Date;
  /** Events spread evenly over [start, start + spanMs). */
  spanMs: number;
  rows: number;
  features: GenFeature[];
  /** SQL for confidence (Nullable(Float64)); default NULL. */
  confidence?: string;
  /** SQL for prediction (String); default ''. */
  prediction?: string;
  predictionNum?: string;
  tags?: string;
  seed?: number;
}

export const num = (expr: string): string => `toString(${expr})`;
export const str = (expr: string): string => `toJSONString(toString(${expr}))`;

export async function generate(store: Store, o: GenOptions): Promise<void> {
  const params: Record<string, unknown> = { model: o.model, version: o.version, start: o.start.getTime(), span: o.spanMs, rows: o.rows, seed: o.seed ?? 0 };
  const parts = o.features.map((f, i) => {
    params[`k${i}`] = f.name;
    return `if(isNull(${f.json}), '', concat(toJSONString({k${i}:String}), ':', assumeNotNull(${f.json})))`;
  });
  const features = parts.length ? `concat('{', arrayStringConcat(arrayFilter(x -> x != '', [${parts.join(', ')}]), ','), '}')` : `'{}'`;
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT concat({model:String}, '/', {version:String}, '/', toString({start:Int64}), '/', toString(n)), 
            fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(n * {span:Int64}, {rows:UInt64})), 'UTC'),
            {model:String}, {version:String}, ${o.prediction ?? "''"}, ${o.predictionNum ?? 'NULL'}, ${o.confidence ?? 'NULL'}, 1.0, '',
            ${o.tags ?? 'map()'}, ${features}, 'test', '', -1, -1
     FROM (SELECT number AS n, {seed:UInt64} AS seed FROM numbers({rows:UInt64}))`,
    { params, settings: { max_insert_block_size: 1_000_000 } },
  );
}

/** Deterministic pseudo-random numbers from n and a salt: uniform in [0, 1) and standard normal. */
export const u = (salt: string): string => `(cityHash64(n, seed, '${salt}') % 1000000007) / 1000000007`;
export const normal = (salt: string): string => `(sqrt(-2 * log(1 - ${u(salt + 'a')})) * cos(2 * pi() * ${u(salt + 'b')}))`;

// Simulated traffic where the truth is known, generated inside the engine:
// a feature x ~ N(shift, 1) per event, the true P(y = 1 | x) =
// sigmoid(a·x + b), a label drawn from it, and a model that logs exactly
// that probability (a calibrated binary classifier) or, with `concept`, a
// world whose true relation moved away from what the model learned.
// Randomness comes from cityHash64 of (seed, window, event), so every run
// of a test sees the same data.
import type { Store } from '../../../src/core/store/store.ts';

export interface SimWindow {
  model: string;
  version: string;
  start: Date;
  /** Events, spread evenly over lengthMs. */
  n: number;
  lengthMs: number;
  /** Mean of the feature: covariate shift moves it. */
  shift: number;
  seed: number;
  /** The model's logit: a·x + b. */
  a?: number;
  b?: number;
  /** The world's logit, when it differs from the model's (concept drift). */
  concept?: { a: number; b: number };
  /** Log labels for events (a share of them, default all), this long after the prediction. */
  labels?: { delayMs: number; share?: number } | null;
  /** Log only the confidence of the prediction, no probabilities map. */
  confidenceOnly?: boolean;
  tags?: string;
}

const u = (salt: string, seed: number) => `((cityHash64(${seed}, '${salt}', number) % 1000000007) / 1000000007)`;

/** Insert one window of events (and their labels). */
export async function simulateWindow(store: Store, w: SimWindow): Promise<void> {
  const a = w.a ?? 1.5;
  const b = w.b ?? -0.5;
  const tag = `${w.seed}-${w.start.getTime()}`;
  const x = `(${w.shift} + sqrt(-2 * log(1 - ${u('x1', w.seed + w.start.getTime())})) * cos(2 * pi() * ${u('x2', w.seed + w.start.getTime())}))`;
  const p = `(1 / (1 + exp(-(${a} * x + ${b}))))`;
  const truth = w.concept ? `(1 / (1 + exp(-(${w.concept.a} * x + ${w.concept.b}))))` : p;
  const step = Math.floor(w.lengthMs / w.n);
  const ts = `fromUnixTimestamp64Milli(toInt64(${w.start.getTime()} + number * ${step}), 'UTC')`;
  const id = `concat('${w.model}-${w.version}-${tag}-', toString(number))`;
  const probs = w.confidenceOnly ? 'CAST(map() AS Map(String, Float64))' : `map('1', p, '0', 1 - p)`;
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, probabilities, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT ${id}, ${ts}, '${w.model}', '${w.version}', if(p >= 0.5, '1', '0'), toFloat64(p >= 0.5), greatest(p, 1 - p), ${probs},
            NULL, '', ${w.tags ?? 'CAST(map() AS Map(String, String))'}, concat('{"x":', toString(round(x, 6)), '}'), 'test', '', -1, -1
     FROM (SELECT number, ${x} AS x, ${p} AS p FROM numbers(${w.n}))`,
  );
  if (w.labels === null || w.labels === undefined) return;
  const share = w.labels.share ?? 1;
  await store.command(
    `INSERT INTO labels (event_id, model, label, label_num, ts, ingested_at, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT ${id}, '${w.model}', toString(y), toFloat64(y), fromUnixTimestamp64Milli(toInt64(${w.start.getTime()} + number * ${step} + ${w.labels.delayMs}), 'UTC'), now64(3), 'test', '', -1, -1
     FROM (SELECT number, ${x} AS x, ${truth} AS t, toUInt8(${u('y', w.seed + w.start.getTime())} < t) AS y FROM numbers(${w.n}))
     WHERE ${u('share', w.seed + w.start.getTime())} < ${share}`,
  );
}

// Shared by tests and scripts (never by the product).
// Simulated traffic where the truth is known, generated inside the engine:
// a feature x ~ N(shift, 1) per event, the true P(y = 1 | x) =
// sigmoid(a·x + b), a label drawn from it, and a model that logs exactly
// that probability (a calibrated binary classifier) or, with `concept`, a
// world whose true relation moved away from what the model learned.
// Randomness comes from cityHash64 of (seed, window, event), so every run
// of a test sees the same data.
import type { Store } from '../src/core/store/store.ts';

export interface SimWindow {
  model: string;
  version: string;
  start: Date;
  /** Events, spread evenly over lengthMs. */
  n: number;
  lengthMs: number;
  /** Mean of the feature: covariate shift moves it (a number, or an SQL expression over the row index `number`). */
  shift: number | string;
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

interface Sql {
  x: string;
  p: string;
  truth: string;
  ts: (offsetMs: number) => string;
  id: string;
  seed: number;
}

function sqlOf(w: SimWindow): Sql {
  const a = w.a ?? 1.5;
  const b = w.b ?? -0.5;
  const seed = w.seed + w.start.getTime();
  const x = `((${w.shift}) + sqrt(-2 * log(1 - ${u('x1', seed)})) * cos(2 * pi() * ${u('x2', seed)}))`;
  const step = Math.floor(w.lengthMs / w.n);
  return {
    x,
    p: `(1 / (1 + exp(-(${a} * x + ${b}))))`,
    truth: w.concept ? `(1 / (1 + exp(-(${w.concept.a} * x + ${w.concept.b}))))` : `(1 / (1 + exp(-(${a} * x + ${b}))))`,
    ts: (offsetMs) => `fromUnixTimestamp64Milli(toInt64(${w.start.getTime()} + number * ${step} + ${offsetMs}), 'UTC')`,
    id: `concat('${w.model}-${w.version}-${w.seed}-${w.start.getTime()}-', toString(number))`,
    seed,
  };
}

/** Insert one window of events (and their labels when `labels` is set). */
export async function simulateWindow(store: Store, w: SimWindow): Promise<void> {
  const q = sqlOf(w);
  const probs = w.confidenceOnly ? 'CAST(map() AS Map(String, Float64))' : `map('1', p, '0', 1 - p)`;
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, probabilities, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT ${q.id}, ${q.ts(0)}, '${w.model}', '${w.version}', if(p >= 0.5, '1', '0'), toFloat64(p >= 0.5), greatest(p, 1 - p), ${probs},
            NULL, '', ${w.tags ?? 'CAST(map() AS Map(String, String))'}, concat('{"x":', toString(round(x, 6)), '}'), 'test', '', -1, -1
     FROM (SELECT number, ${q.x} AS x, ${q.p} AS p FROM numbers(${w.n}))`,
  );
  if (w.labels) await simulateLabels(store, w);
}

/** Insert the labels of a window simulated before (the same events, the same truth): they "arrive" now. */
export async function simulateLabels(store: Store, w: SimWindow): Promise<void> {
  const q = sqlOf(w);
  const delay = w.labels?.delayMs ?? 0;
  const share = w.labels?.share ?? 1;
  await store.command(
    `INSERT INTO labels (event_id, model, label, label_num, ts, ingested_at, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT ${q.id}, '${w.model}', toString(y), toFloat64(y), ${q.ts(delay)}, now64(3), 'test', '', -1, -1
     FROM (SELECT number, ${q.x} AS x, ${q.truth} AS t, toUInt8(${u('y', q.seed)} < t) AS y FROM numbers(${w.n}))
     WHERE ${u('share', q.seed)} < ${share}`,
  );
}

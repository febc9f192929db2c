// Arrow IPC streams of prediction events (same columns as the JSON contract).
import { Bool, Field, Float64, Map_, Struct, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, Dictionary, Int32 } from 'apache-arrow';
import { predictionEvent } from './events.ts';

export function arrowPredictions(from: number, n: number, opts: { prefix?: string; nanAt?: number } = {}): Uint8Array {
  const events = Array.from({ length: n }, (_, k) => predictionEvent(from + k, { prefix: opts.prefix }));
  const featureFields = Object.entries(events[0]!.features).map(([name, v]) => new Field<Float64 | Utf8>(name, typeof v === 'number' ? new Float64() : new Utf8(), true));
  const features = events.map((e, k) => (opts.nanAt === k ? { ...e.features, num_0: NaN } : e.features));
  const table = new Table({
    event_id: vectorFromArray(events.map((e) => e.event_id), new Utf8()),
    ts: vectorFromArray(events.map((e) => (typeof e.ts === 'number' ? e.ts : Date.parse(e.ts))), new TimestampMillisecond()),
    model: vectorFromArray(events.map((e) => e.model), new Dictionary(new Utf8(), new Int32())),
    model_version: vectorFromArray(events.map((e) => e.model_version), new Utf8()),
    features: vectorFromArray(features, new Struct(featureFields as Field<never>[])),
    prediction: vectorFromArray(events.map((e) => Number(e.prediction)), new Float64()),
    confidence: vectorFromArray(events.map((e) => e.confidence), new Float64()),
    probabilities: vectorFromArray(
      events.map((e) => new Map(Object.entries(e.probabilities))),
      new Map_<Utf8, Float64>(new Field('entries', new Struct<{ key: Utf8; value: Float64 }>([new Field('key', new Utf8(), false), new Field('value', new Float64(), true)]))),
    ),
    latency_ms: vectorFromArray(events.map((e) => e.latency_ms), new Float64()),
    is_shadow: vectorFromArray(events.map(() => false), new Bool()),
  });
  return tableToIPC(table, 'stream');
}

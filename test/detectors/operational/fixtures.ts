// Test data made inside the engine: INSERT ... SELECT from numbers(n), where
// every column is an SQL expression over `number` (0..n-1). The expressions
// are the tests' own constants, never user input.
import type { Store } from '../../../src/core/store/store.ts';
import type { MonitorContext } from '../../../detectors/operational/context.ts';
import { DEFAULT_MONITOR_THRESHOLDS } from '../../../detectors/operational/context.ts';
import type { ScoreRow } from '../../../src/core/score.ts';

export interface Generated {
  model: string;
  version: string;
  /** First event's time (ISO); events are stepMs apart. */
  start: string;
  n: number;
  stepMs?: number;
  /** event_id expression; default '<model>-<version>-<start>-<number>'. */
  eventId?: string;
  prediction?: string;
  predictionNum?: string;
  confidence?: string;
  probabilities?: string;
  latency?: string;
  error?: string;
  tags?: string;
  /** JSON text of the features object. */
  features?: string;
}

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export async function generatePredictions(store: Store, g: Generated): Promise<void> {
  const step = g.stepMs ?? Math.floor(3_600_000 / g.n);
  const startMs = Date.parse(g.start);
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, probabilities, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT ${g.eventId ?? `concat(${lit(`${g.model}-${g.version}-${g.start}-`)}, toString(number))`},
            fromUnixTimestamp64Milli(toInt64(${startMs} + number * ${step}), 'UTC'),
            ${lit(g.model)}, ${lit(g.version)},
            ${g.prediction ?? "''"}, ${g.predictionNum ?? 'CAST(NULL AS Nullable(Float64))'}, ${g.confidence ?? 'CAST(NULL AS Nullable(Float64))'},
            ${g.probabilities ?? 'CAST(map() AS Map(String, Float64))'},
            ${g.latency ?? 'CAST(NULL AS Nullable(Float64))'}, ${g.error ?? "''"}, ${g.tags ?? 'CAST(map() AS Map(String, String))'},
            ${g.features ?? "'{}'"}, 'test', '', -1, -1
     FROM numbers(${g.n})`,
  );
}

export interface LabelRow {
  event_id: string;
  model: string;
  label: string;
  label_num?: number | null;
  ts: string;
  /** Arrival order: the later ingested_at wins. */
  ingested_at?: string;
}

const chTime = (iso: string) => new Date(iso).toISOString().replace('T', ' ').replace('Z', '');

export async function insertLabels(store: Store, rows: readonly LabelRow[]): Promise<void> {
  await store.insert(
    'labels',
    rows.map((r) => ({
      event_id: r.event_id,
      model: r.model,
      label: r.label,
      label_num: r.label_num ?? null,
      ts: chTime(r.ts),
      source: 'test',
      kafka_topic: '',
      kafka_partition: -1,
      kafka_offset: -1,
      ...(r.ingested_at ? { ingested_at: chTime(r.ingested_at) } : {}),
    })),
  );
}

export function context(over: Partial<MonitorContext> & Pick<MonitorContext, 'window'>): MonitorContext {
  return {
    runId: 'run-test',
    runAt: new Date('2026-11-23T12:00:00Z'),
    baseline: { kind: 'previous' },
    thresholds: { ...DEFAULT_MONITOR_THRESHOLDS },
    minCount: 50,
    ...over,
  };
}

export function win(start: string, end: string): { start: Date; end: Date } {
  return { start: new Date(start), end: new Date(end) };
}

/** The one row with this model, version, metric (and feature); fails loudly otherwise. */
export function pick(rows: readonly ScoreRow[], version: string, metric: string, feature = '', model?: string): ScoreRow {
  const hits = rows.filter((r) => r.model_version === version && r.metric === metric && r.feature === feature && (model === undefined || r.model === model));
  if (hits.length !== 1) throw new Error(`expected one ${model ?? '*'}/${version}/${metric}/${feature}, found ${hits.length}: ${JSON.stringify(rows.map((r) => [r.model, r.model_version, r.metric, r.feature]))}`);
  return hits[0] as ScoreRow;
}

export const details = (r: ScoreRow): Record<string, unknown> => (r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {});

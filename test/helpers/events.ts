// Prediction events written straight into the store (no ingest in between),
// for tests that exercise detectors and alerting on real rows.
import type { DemoEvent } from '../../src/demo/traffic.ts';
import type { Store } from '../../src/core/store/store.ts';

const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export async function insertEvents(store: Store, events: Iterable<DemoEvent>): Promise<number> {
  let batch: Record<string, unknown>[] = [];
  let n = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await store.insert('predictions', batch);
    n += batch.length;
    batch = [];
  };
  for (const e of events) {
    batch.push({
      event_id: e.event_id,
      ts: chTime(e.ts),
      model: e.model,
      model_version: e.model_version,
      prediction: e.prediction,
      confidence: e.confidence,
      probabilities: e.probabilities,
      latency_ms: e.latency_ms,
      error: e.error ?? '',
      tags: e.tags,
      features: JSON.stringify(e.features),
      source: 'test',
      kafka_topic: '',
      kafka_partition: -1,
      kafka_offset: -1,
    });
    if (batch.length === 5000) await flush();
  }
  await flush();
  return n;
}

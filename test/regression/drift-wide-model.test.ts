// The drift detector's counterpart of compare-wide-file: a model with 100
// numeric features, every one on the large-sample path, must run (each
// refinement round's query holds every column's pieces, so all columns in one
// round can exceed the engine's limits) and match the exact path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftThresholdsSchema } from '../../detectors/drift/config.ts';
import { runDrift } from '../../detectors/drift/detector.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

const FEATURES = 100;
const DAY = 86_400_000;
const T = Date.parse('2026-03-02T00:00:00Z');
const ROWS = 40_000;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const parts = Array.from({ length: FEATURES }, (_, i) => `'"f${i}":', toString(round((cityHash64(number, ${i}) % 100000) / 1000 * ${i + 1} + if(ts >= fromUnixTimestamp64Milli(${T}, 'UTC') AND ${i % 4} = 0, 3, 0), 3))`);
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT toString(number), fromUnixTimestamp64Milli(toInt64(${T - DAY} + intDiv(number * ${2 * DAY}, ${ROWS})), 'UTC') AS ts, 'wide', 'v1', '1',
            concat('{', ${parts.join(", ',', ")}, '}'), 'test', '', -1, -1
     FROM numbers(${ROWS})`,
  );
}, 300_000);
afterAll(async () => cleanup());

describe('drift detector on a model with many features', () => {
  it(`${FEATURES} large numeric features: the refined statistics match the exact ones`, async () => {
    const run = (exactLimit: number) =>
      runDrift(
        store,
        { name: 'wide', baseline: { type: 'previous' }, thresholds: driftThresholdsSchema.parse({}), minSamples: 100, exactLimit },
        { runId: `wide-${exactLimit}`, runAt: new Date(), window: { start: new Date(T), end: new Date(T + DAY) } },
      );
    const exact = await run(10_000_000);
    const binned = await run(1000);
    const of = (rows: Awaited<ReturnType<typeof run>>, metric: string) => new Map(rows.filter((r) => r.metric === metric).map((r) => [r.feature, Number(r.value)]));
    for (const metric of ['ks_d', 'wasserstein']) {
      const e = of(exact, metric);
      const b = of(binned, metric);
      expect(e.size, metric).toBe(FEATURES);
      for (const [f, v] of e) {
        const tol = metric === 'ks_d' ? 1e-6 : 1e-3 * Math.abs(v) + 1e-12;
        expect(Math.abs((b.get(f) ?? NaN) - v), `${metric} ${f}`).toBeLessThanOrEqual(tol);
      }
    }
  }, 300_000);
});

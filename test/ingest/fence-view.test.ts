// The resume fence repairs feature_values with a copy of feature_values_mv's
// SELECT (the view cannot be run over a filtered slice of predictions). This
// holds the copy to the view twice: as the engine formats both queries, and by
// what the repair writes against what the view wrote for the same events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_VALUES_VIEW_SELECT, repairFeatureValues } from '../../src/ingest/fence.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

async function formatted(sql: string): Promise<string> {
  const rows = await store.query<{ q: string }>('SELECT formatQuery({sql:String}) AS q', { params: { sql } });
  return String(rows[0]?.q);
}

const FEATURES = [
  '{"amount": 12.5, "country": "DE", "is_new": true, "note": null}',
  '{"amount": -0.0, "country": "", "is_new": false, "score": 1e308}',
  '{"amount": "7", "nested": {"a": 1}, "list": [1, 2]}',
];

describe('the fence repair and feature_values_mv', () => {
  it('are the same SELECT as the engine formats them', async () => {
    const view = await store.query<{ q: string }>(
      "SELECT as_select AS q FROM system.tables WHERE database = currentDatabase() AND name = 'feature_values_mv'",
    );
    expect(view).toHaveLength(1);
    // as_select names the source table with its database; the copy does not.
    const normalize = (q: string): string => q.replace(/\bFROM\s+[`"]?\w+[`"]?\.predictions\b/, 'FROM predictions');
    expect(normalize(await formatted(FEATURE_VALUES_VIEW_SELECT))).toBe(normalize(await formatted(String(view[0]?.q))));
  });

  it('write the same rows', async () => {
    const ts = '2026-11-01 10:00:00.000';
    const values = FEATURES.map((f, i) => `('fv-${i}', '${ts}', 'fence_view', 'v1', 'x', '${f.replace(/'/g, "\\'")}', 'kafka', 'fv-topic', 0, ${i})`).join(', ');
    await store.command(
      `INSERT INTO predictions (event_id, ts, model, model_version, prediction, features, source, kafka_topic, kafka_partition, kafka_offset) VALUES ${values}`,
    );
    const read = async (): Promise<unknown[]> =>
      store.query(
        "SELECT model, model_version, feature, ts, kind, value_num, value_str, event_id FROM feature_values WHERE model = 'fence_view' ORDER BY event_id, feature",
      );
    const byView = await read();
    expect(byView.length).toBeGreaterThan(10);
    await store.command("ALTER TABLE feature_values DELETE WHERE model = 'fence_view' SETTINGS mutations_sync = 1");
    expect(await read()).toEqual([]);
    const t = Date.parse('2026-11-01T10:00:00Z');
    await repairFeatureValues(store, 'fv-topic', 0, 0, FEATURES.length, t - 1000, t + 1000);
    expect(await read()).toEqual(byView);
    // A second repair finds nothing missing and writes nothing.
    await repairFeatureValues(store, 'fv-topic', 0, 0, FEATURES.length, t - 1000, t + 1000);
    expect(await read()).toEqual(byView);
  });
});

// User data (model, version, feature names) reaches SQL only as bound
// parameters: hostile names are stored and queried back verbatim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';

const EVIL_MODEL = "x'); DROP TABLE predictions; --";
const ODD_FEATURE = 'we"ird \'quote\' back\\slash ünï©ødé 🚀';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

describe('bound parameters', () => {
  it('stores and queries a hostile model name and an odd feature name', async () => {
    await store.insert('predictions', [
      {
        event_id: 'e-1',
        ts: '2026-11-23 18:00:00.000',
        model: EVIL_MODEL,
        model_version: "v'1",
        prediction: '1',
        features: JSON.stringify({ [ODD_FEATURE]: 3.5, plain: 'DE' }),
        source: 'test',
        kafka_topic: '',
        kafka_partition: -1,
        kafka_offset: -1,
      },
    ]);
    const rows = await store.query<{ model: string; feature: string; value_num: number }>(
      "SELECT model, feature, value_num FROM feature_values WHERE model = {m:String} AND model_version = {v:String} AND feature = {f:String}",
      { params: { m: EVIL_MODEL, v: "v'1", f: ODD_FEATURE } },
    );
    expect(rows).toEqual([{ model: EVIL_MODEL, feature: ODD_FEATURE, value_num: 3.5 }]);
    const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'predictions'");
    expect(tables).toHaveLength(1);
    const [count] = await store.query<{ n: string }>('SELECT count() AS n FROM predictions WHERE model = {m:String}', { params: { m: EVIL_MODEL } });
    expect(Number(count?.n)).toBe(1);
  });

  it('insertRaw takes JSONEachRow bytes and the view explodes features', async () => {
    const line = JSON.stringify({ event_id: 'e-2', ts: '2026-11-23 18:00:01.000', model: 'm', model_version: 'v', prediction: 'ok', features: JSON.stringify({ a: 1, b: null, c: true, d: 'x' }), source: 'test', kafka_topic: '', kafka_partition: -1, kafka_offset: -1 });
    await store.insertRaw('predictions', 'JSONEachRow', Buffer.from(line + '\n'));
    const rows = await store.query<{ feature: string; kind: string }>("SELECT feature, kind FROM feature_values WHERE model = 'm' ORDER BY feature");
    expect(rows).toEqual([
      { feature: 'a', kind: 'number' },
      { feature: 'b', kind: 'missing' },
      { feature: 'c', kind: 'bool' },
      { feature: 'd', kind: 'string' },
    ]);
  });

  it('a failing query becomes DW_STORE_QUERY with the engine message', async () => {
    await expect(store.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 'DW_STORE_QUERY', message: expect.stringMatching(/no_such_table/) });
  });
});

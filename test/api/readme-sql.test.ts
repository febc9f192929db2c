// The README's retro-analysis queries run as written against the real schema.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReadOnlySql } from '../../src/api/sql.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('<!-- retro-sql:begin -->'), readme.indexOf('<!-- retro-sql:end -->'));
const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  // A little of everything, timestamped relative to now so the windows match.
  await store.command(`INSERT INTO predictions (event_id, ts, model, model_version, prediction, latency_ms, error, features, source, kafka_topic, kafka_partition, kafka_offset)
    SELECT concat('e', toString(number)), now64(3) - toIntervalSecond(number * 7), 'fraud', if(number % 2 = 0, 'v11', 'v12'),
           toString(number % 2), 5 + number % 20, if(number % 50 = 0, 'timeout', ''),
           concat('{"amount":', toString(number % 100), ',"country":"', ['DE','FR','US'][number % 3 + 1], '","age":', if(number % 10 = 0, 'null', toString(number % 60)), '}'),
           'test', '', -1, -1
    FROM numbers(500)`);
  await store.command(`INSERT INTO labels (event_id, model, label, ts, source, kafka_topic, kafka_partition, kafka_offset)
    SELECT concat('e', toString(number)), 'fraud', toString(number % 3 = 0), now64(3), 'test', '', -1, -1 FROM numbers(300)`);
  await store.command(`INSERT INTO drift_scores (run_id, run_at, detector, window_start, window_end, baseline, model, model_version, feature, metric, value, status)
    SELECT concat('r', toString(number)), now64(3) - toIntervalHour(number), 'drift', now64(3), now64(3), 'previous', 'fraud', if(number % 2 = 0, 'v11', 'v12'), 'amount', 'psi', number / 100, 'ok'
    FROM numbers(48)`);
});
afterAll(async () => cleanup());

describe('README retro-analysis SQL', () => {
  it('has at least five queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(5);
  });

  it.each(queries.map((q, i) => [i + 1, q]))('query %i runs read-only and returns rows', async (_, q) => {
    const r = await runReadOnlySql(store, q as string);
    expect(r.rows.length).toBeGreaterThan(0);
  });
});

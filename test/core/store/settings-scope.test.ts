// chDB's connection applies per-query settings as session-wide SET
// statements; the store must keep them scoped to the one call, or a dedup
// token would swallow later inserts and readonly would block every write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_INSERT_BYTES } from '../../../src/core/store/embedded.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
  await store.command('CREATE TABLE d (k String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100');
});
afterAll(async () => cleanup());

const count = async (): Promise<number> => Number((await store.query<{ n: number }>('SELECT count() AS n FROM d'))[0]?.n);

describe('settings scope', () => {
  it('the same dedup token twice stores the block once; other inserts are unaffected', async () => {
    await store.insert('d', [{ k: 'a' }], { dedupToken: 'tok-1' });
    await store.insert('d', [{ k: 'a' }], { dedupToken: 'tok-1' });
    expect(await count()).toBe(1);
    await store.insert('d', [{ k: 'b' }]);
    await store.insert('d', [{ k: 'c' }]);
    await store.insertRaw('d', 'JSONEachRow', '{"k":"d"}\n', { dedupToken: 'tok-2' });
    // A retry of a raw insert (ingest's path) with its token is not stored twice.
    await store.insertRaw('d', 'JSONEachRow', '{"k":"d"}\n', { dedupToken: 'tok-2' });
    await store.insertRaw('d', 'JSONEachRow', '{"k":"e"}\n');
    expect(await count()).toBe(5);
    // Tokens are data: quotes and backslashes in one are not SQL.
    await store.insertRaw('d', 'JSONEachRow', '{"k":"f"}\n', { dedupToken: "tok'3\\" });
    await store.insertRaw('d', 'JSONEachRow', '{"k":"f"}\n', { dedupToken: "tok'3\\" });
    expect(await count()).toBe(6);
    // A batch large enough to go through a file (embedded store) keeps both.
    const big = Array.from({ length: 100_000 }, (_, i) => `{"k":"big-${i}-${'x'.repeat(80)}"}`).join('\n') + '\n';
    expect(big.length).toBeGreaterThan(FILE_INSERT_BYTES);
    await store.insertRaw('d', 'JSONEachRow', big, { dedupToken: "big'tok" });
    // Other bytes under the same token: only the token makes it a duplicate.
    await store.insertRaw('d', 'JSONEachRow', big.replaceAll('big-', 'BIG-'), { dedupToken: "big'tok" });
    expect(await count()).toBe(100_006);
  });

  it('a setting given to one query is not visible to the next', async () => {
    const [inCall] = await store.query<{ v: string }>("SELECT getSetting('max_execution_time') AS v", { settings: { max_execution_time: 7 } });
    expect(Number(inCall?.v)).toBe(7);
    const [after] = await store.query<{ v: string }>("SELECT getSetting('max_execution_time') AS v");
    expect(Number(after?.v)).toBe(0);
  });
});

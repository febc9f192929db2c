// The two halves of the fence against another member's insert in flight,
// on the real engine: announcements (insert-intents.ts) that a new owner
// waits for, and the guard (kafka-insert-guard.ts) that sends rows only while
// the membership is certain. The multi-process version, with a real broker
// and killed members, is test/instances/consumer-group.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { partitionKey } from '../../src/ingest/buffer.ts';
import { GroupMembership } from '../../src/ingest/group-membership.ts';
import { InsertIntents } from '../../src/ingest/insert-intents.ts';
import { KafkaOwnershipGuard } from '../../src/ingest/kafka-insert-guard.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});

afterAll(async () => {
  await cleanup?.();
});

const noHeartbeat = async (): Promise<void> => undefined;
const signal = new AbortController().signal;

describe('insert announcements', () => {
  it('a new owner waits until the previous owner closes its announcement', async () => {
    const a = new InsertIntents(() => store, 'a', 60_000, silentLogger);
    const b = new InsertIntents(() => store, 'b', 60_000, silentLogger);
    const intent = await a.open([{ topic: 'wait-close', partition: 3 }]);
    expect((await b.inFlight('wait-close', 3)).map((r) => r.holder)).toEqual(['a']);
    // Another partition is not held up.
    expect(await b.inFlight('wait-close', 4)).toEqual([]);
    let cleared = false;
    const waiting = b.waitClear('wait-close', 3, { signal, heartbeat: noHeartbeat, pollMs: 20 }).then(() => (cleared = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(cleared).toBe(false);
    await intent.close();
    await waiting;
    expect(await b.inFlight('wait-close', 3)).toEqual([]);
  });

  it('an announcement whose outcome is unknown expires on its own, and is renewed while its attempt runs', async () => {
    const a = new InsertIntents(() => store, 'a', 600, silentLogger);
    const running = await a.open([{ topic: 'expire', partition: 0 }]);
    // Renewed every 200 ms: still open well past its first time to live.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await a.inFlight('expire', 0)).toHaveLength(1);
    running.abandon();
    const t0 = performance.now();
    await a.waitClear('expire', 0, { signal, heartbeat: noHeartbeat, pollMs: 20 });
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('a heartbeat that fails (the group rebalances) ends the wait with its error', async () => {
    const a = new InsertIntents(() => store, 'a', 60_000, silentLogger);
    await a.open([{ topic: 'rebalance', partition: 0 }]);
    const rebalancing = async (): Promise<void> => {
      throw new Error('The group is rebalancing, so a rejoin is needed');
    };
    await expect(a.waitClear('rebalance', 0, { signal, heartbeat: rebalancing, pollMs: 20 })).rejects.toThrow(/rebalancing/);
  });
});

describe('the insert guard', () => {
  const intents = () => new InsertIntents(() => store, 'g', 60_000, silentLogger);
  const ref = (partition: number, epoch: number) => ({ topic: 'guard', partition, epoch });

  it('sends every partition of the current epoch while the membership is certain, and closes the announcement', async () => {
    const m = new GroupMembership(10_000);
    m.joined(1);
    const guard = new KafkaOwnershipGuard(intents(), m, silentLogger, signal);
    const ticket = await guard.begin([ref(0, 1), ref(1, 1)]);
    expect([...ticket.owned].sort()).toEqual([partitionKey('guard', 0, 1), partitionKey('guard', 1, 1)]);
    expect(await intents().inFlight('guard', 0)).toHaveLength(1);
    await ticket.settle('stored');
    expect(await intents().inFlight('guard', 0)).toEqual([]);
  });

  it('drops rows read in an epoch that has ended', async () => {
    const m = new GroupMembership(10_000);
    m.joined(2);
    const guard = new KafkaOwnershipGuard(intents(), m, silentLogger, signal);
    const ticket = await guard.begin([ref(5, 1), ref(6, 2)]);
    expect([...ticket.owned]).toEqual([partitionKey('guard', 6, 2)]);
    await ticket.settle('stored');
  });

  it('holds the insert while the group rebalances, and sends nothing of the old epoch after the rejoin', async () => {
    const m = new GroupMembership(10_000);
    m.joined(1);
    m.unsettled();
    const guard = new KafkaOwnershipGuard(intents(), m, silentLogger, signal);
    let decided = false;
    const pending = guard.begin([ref(7, 1)]).then((t) => ((decided = true), t));
    await new Promise((r) => setTimeout(r, 400));
    expect(decided).toBe(false);
    // The announcement is in the store meanwhile: a new owner of partition 7 waits for it.
    expect(await intents().inFlight('guard', 7)).toHaveLength(1);
    m.joined(2);
    const ticket = await pending;
    expect(ticket.owned.size).toBe(0);
    await ticket.settle('failed');
    expect(await intents().inFlight('guard', 7)).toEqual([]);
  });

  it('holds the insert once the last confirmation is too old, until a heartbeat confirms the membership', async () => {
    const m = new GroupMembership(150);
    m.joined(1);
    let beats = 0;
    m.useHeartbeat(async () => {
      beats++;
      if (beats >= 3) m.heartbeatSucceeded();
    });
    await new Promise((r) => setTimeout(r, 300));
    const guard = new KafkaOwnershipGuard(intents(), m, silentLogger, signal);
    const ticket = await guard.begin([ref(8, 1)]);
    expect(beats).toBeGreaterThanOrEqual(3);
    expect([...ticket.owned]).toEqual([partitionKey('guard', 8, 1)]);
    await ticket.settle('stored');
  });
});

// The role lease over a real ClickHouse engine (embedded chDB, or the test
// server with DW_TEST_CLICKHOUSE=server): claims, renewals, simultaneous
// claims, takeover after expiry with a higher fencing token, the fence
// against a newer tenure, and release on stop. Several LeaseRole objects in
// one process stand for several instances (the multi-process test is
// failover.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { LeaseRole } from '../../src/instances/lease-role.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup?.());

let n = 0;
const role = () => `test-role-${++n}`;
const lease = (r: string, holder: string, ttlMs = 60_000) => new LeaseRole({ role: r, store: () => store, ttlMs, holder, logger: silentLogger });
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe('LeaseRole', () => {
  it('gives a free role to the first claimant and keeps it there while renewed', async () => {
    const r = role();
    const a = lease(r, 'a');
    const b = lease(r, 'b');
    expect(await a.tryAcquire()).toBe(true);
    expect(a.token()).toBe(1);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true); // renewal keeps the token
    expect(a.token()).toBe(1);
    expect(b.held()).toBe(false);
    await a.fence();
    await expect(b.fence()).rejects.toMatchObject({ code: 'DW_NOT_OWNER' });
  });

  it('lets exactly one of several simultaneous claimants win', async () => {
    for (let round = 0; round < 5; round++) {
      const r = role();
      const ls = ['a', 'b', 'c', 'd'].map((h) => lease(r, h));
      const won = await Promise.all(ls.map((l) => l.tryAcquire()));
      expect(won.filter(Boolean), `round ${round}: ${won}`).toHaveLength(1);
      // And everyone agrees on the winner afterwards.
      const again = await Promise.all(ls.map((l) => l.tryAcquire()));
      expect(again).toEqual(won);
    }
  });

  it('passes an expired lease on with a higher token; the old holder finds out at its fence', async () => {
    const r = role();
    const a = lease(r, 'a', 400);
    const b = lease(r, 'b', 400);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await sleep(500); // a stops renewing (paused, dead)
    expect(a.held()).toBe(false); // its own clock says so already
    expect(await b.tryAcquire()).toBe(true);
    expect(b.token()).toBe(2);
    await expect(a.fence()).rejects.toMatchObject({ code: 'DW_NOT_OWNER' });
    expect(await a.tryAcquire()).toBe(false);
  });

  it('fences a holder whose lease the store no longer shows as its own, though its clock says it holds', async () => {
    const r = role();
    const a = lease(r, 'a');
    expect(await a.tryAcquire()).toBe(true);
    let lost = 0;
    a.onLose(() => void lost++);
    // A newer tenure appears (e.g. an instance whose clock ran ahead, or an operator's hand).
    await store.command(`INSERT INTO instance_leases (role, token, holder, expires_at) SELECT {r:String}, 7, 'intruder', now64(3) + INTERVAL 60 SECOND`, { params: { r } });
    expect(a.held()).toBe(true);
    await expect(a.fence()).rejects.toMatchObject({ code: 'DW_NOT_OWNER' });
    expect(a.held()).toBe(false);
    expect(lost).toBe(1);
  });

  it('hands the role over at once on stop, and runs the gain listeners in order before and after held()', async () => {
    const r = role();
    const a = lease(r, 'a');
    const b = lease(r, 'b');
    const seen: string[] = [];
    b.beforeGain(() => void seen.push(`before:${b.held()}`));
    b.onGain(() => void seen.push(`after:${b.held()}`));
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await a.stop();
    expect(a.held()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    expect(b.token()).toBe(2);
    expect(seen).toEqual(['before:false', 'after:true']);
    await b.stop();
  });
});

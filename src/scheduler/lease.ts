// One runner per schedule across instances sharing a ClickHouse server: an
// instance runs a job's tick only while it holds the job's lease. A holder
// renews its own lease; another instance may take it only once it expired.
// ClickHouse has no compare-and-set, so two instances starting within the
// same few milliseconds can both win one tick; runs are idempotent per
// window (same bounds, scores keyed by run), so the cost is a duplicate row.
import { randomUUID } from 'node:crypto';
import type { Store } from '../core/store/store.ts';
import { toClickHouseTime } from '../core/util/time.ts';

export interface Lease {
  /** True when this instance may run `job` now. */
  acquire(job: string, ttlMs: number): Promise<boolean>;
  readonly holder: string;
}

/** Embedded stores have one process by construction: always the leader. */
export const soleLeader: Lease = { holder: 'embedded', acquire: async () => true };

export function clickhouseLease(storeOf: () => Store, holder = `${process.pid}-${randomUUID().slice(0, 8)}`): Lease {
  const current = async (job: string): Promise<string | null> => {
    const [row] = await storeOf().query<{ holder: string }>(
      `SELECT argMax(holder, acquired_at) AS holder FROM scheduler_leases
       WHERE job = {job:String} AND expires_at > now64(3)
       HAVING count() > 0`,
      { params: { job } },
    );
    return row?.holder ?? null;
  };
  return {
    holder,
    async acquire(job, ttlMs) {
      const now = Date.now();
      const owner = await current(job);
      if (owner !== null && owner !== holder) return false;
      await storeOf().insert('scheduler_leases', [
        { job, holder, acquired_at: toClickHouseTime(now), expires_at: toClickHouseTime(now + ttlMs) },
      ]);
      // Read back: if another instance inserted in the same moment, the
      // newer lease wins and we stand down.
      return (await current(job)) === holder;
    },
  };
}

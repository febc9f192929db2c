// The scheduler under the scheduler role: ticks run only while the role is
// held, a run whose fence fails stores nothing, and the tick stops at that
// window, so the next tick runs it again (no gap in detector_runs, as the
// failover test once saw when a lease renewal came late under load).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/logger.ts';
import { notOwner, type Ownership } from '../../src/core/ownership.ts';
import type { Store } from '../../src/core/store/store.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import type { DetectorJob } from '../../src/scheduler/job.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { openTestStore } from '../helpers/store.ts';

const H = 3_600_000;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

/** An owner whose fence fails on the calls listed (1-based), and that holds the role while `held` says so. */
function owner(failOn: number[], state = { held: true }): Ownership & { fences: number } {
  const o = {
    role: 'scheduler',
    fences: 0,
    held: () => state.held,
    token: () => 1,
    async fence() {
      o.fences++;
      if (failOn.includes(o.fences)) throw notOwner('scheduler', 'test');
    },
  };
  return o;
}

const job = (name: string): DetectorJob => ({ name, schedule: '0 0 1 1 *', windowMs: H, delayMs: 0, timeoutMs: 5_000, run: async () => [] });
const scheduler = (j: DetectorJob, o: Ownership) =>
  new Scheduler({ store: () => store, jobs: [j], logger: silentLogger, registry: createRegistry({ defaultMetrics: false }), owner: o, maxCatchup: 24, now: () => Date.parse('2026-11-23T10:20:00Z') });
const ends = async (detector: string) =>
  (await store.query<{ e: string }>(`SELECT toString(window_end) AS e FROM detector_runs FINAL WHERE detector = {d:String} ORDER BY window_end`, { params: { d: detector } })).map((r) => r.e.slice(11, 16));

async function seed(detector: string): Promise<void> {
  await store.insert('detector_runs', [
    { run_id: `${detector}-old`, detector, window_start: '2026-11-23 05:00:00', window_end: '2026-11-23 06:00:00', trigger: 'schedule', started_at: '2026-11-23 06:00:00', finished_at: '2026-11-23 06:00:01', status: 'ok' },
  ]);
}

describe('Scheduler with an owner', () => {
  it('runs nothing while another instance holds the role', async () => {
    const j = job('not-held');
    await seed(j.name);
    const o = owner([], { held: false });
    expect(await scheduler(j, o).tick(j, 'schedule')).toEqual([]);
    expect(o.fences).toBe(0);
    expect(await ends(j.name)).toEqual(['06:00']);
  });

  it('stores nothing for a fenced run and stops the tick there; the next tick runs that window: no gap', async () => {
    const j = job('fenced');
    await seed(j.name);
    const o = owner([2]);
    const s = scheduler(j, o);
    const first = await s.tick(j, 'catchup');
    // 07:00 stored, 08:00 fenced off: 09:00 and 10:00 wait for the next tick.
    expect(first.map((r) => [r.window_end.slice(11, 16), r.status])).toEqual([
      ['07:00', 'ok'],
      ['08:00', 'failed'],
    ]);
    expect(first[1]?.error).toMatch(/DW_NOT_OWNER|not the owner/);
    expect(await ends(j.name)).toEqual(['06:00', '07:00']);
    const second = await s.tick(j, 'schedule');
    expect(second.map((r) => r.window_end.slice(11, 16))).toEqual(['08:00', '09:00', '10:00']);
    expect(await ends(j.name)).toEqual(['06:00', '07:00', '08:00', '09:00', '10:00']);
  });

  it('does not fence explicit requests (detect --once, backfill)', async () => {
    const j = job('explicit');
    const o = owner([1, 2, 3]);
    const [once] = await scheduler(j, o).runOnce();
    expect(once?.status).toBe('ok');
    expect(o.fences).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../src/kafka/restart-backoff.ts';

describe('consumer restart backoff', () => {
  it('doubles up to the cap with jitter, and starts over after a healthy period', () => {
    let now = 0;
    let r = 1; // jitter at its top: delay = ceiling
    const b = new RestartBackoff({ initialMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000, now: () => now, random: () => r });
    const ceilings = Array.from({ length: 8 }, () => b.failed());
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(b.failures).toBe(8);
    r = 0; // jitter at its bottom: half the ceiling
    expect(b.failed()).toBe(15_000);
    expect(b.nextAt).toBe(15_000);

    // Joined, but failed again within the healthy period: keeps backing off.
    b.healthy();
    now += 59_000;
    expect(b.failed()).toBe(15_000);
    // Joined and healthy for a minute: the next failure is a first failure.
    b.healthy();
    expect(b.nextAt).toBeNull();
    now += 60_000;
    expect(b.failed()).toBe(500);
    expect(b.failures).toBe(1);
  });
});

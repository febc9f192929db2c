// Every time-based decision in alerting (for/keep_firing_for durations,
// group timers, silences, cooldowns, outbox backoff) reads the time from a
// Clock, so tests can move time instead of waiting for it.
import { toClickHouseTime } from '../src/core/util/time.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.parse('2026-11-23T18:00:00.000Z')) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): number {
    this.#now += ms;
    return this.#now;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}

/** ClickHouse DateTime64(3) text for an epoch-ms instant (UTC). */
export function chTime(ms: number): string {
  return toClickHouseTime(ms);
}

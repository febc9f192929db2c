// What this member knows of its standing in the consumer group, for the
// insert guard (kafka-insert-guard.ts explains why this is enough): the
// current assignment epoch, when the group last confirmed the membership (a
// successful heartbeat or a join), and whether a rebalance has been seen
// since. The consumer reports the events; nothing here talks to Kafka.
import type { Membership } from './kafka-insert-guard.ts';

export class GroupMembership implements Membership {
  #epoch = 0;
  #rebalancing = true;
  #confirmedAt = 0;
  #heartbeat: (() => Promise<void>) | null = null;

  /**
   * @param certainMs how long after a confirmation the assignment is certainly
   * still ours: half of min(session timeout, rebalance timeout).
   */
  constructor(readonly certainMs: number) {}

  joined(epoch: number): void {
    this.#epoch = epoch;
    this.#rebalancing = false;
    this.#confirmedAt = performance.now();
  }

  heartbeatSucceeded(): void {
    this.#confirmedAt = performance.now();
  }

  /** The group is rebalancing, or the consumer died or stopped: no certainty until the next join. */
  unsettled(): void {
    this.#rebalancing = true;
  }

  /** The heartbeat of the running consumer (from its eachBatch payload), null when none runs. */
  useHeartbeat(fn: (() => Promise<void>) | null): void {
    this.#heartbeat = fn;
  }

  epoch(): number {
    return this.#epoch;
  }

  certainUntil(): number {
    return this.#rebalancing ? 0 : this.#confirmedAt + this.certainMs;
  }

  async heartbeat(): Promise<void> {
    await this.#heartbeat?.();
  }
}

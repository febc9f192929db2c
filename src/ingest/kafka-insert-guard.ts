// Before each insert attempt of Kafka rows (several daemons on one ClickHouse
// server): announce the attempt (insert-intents.ts), then send only the rows
// of partitions this member certainly still owns.
//
// "Certainly" without asking anyone: a consumer group hands a partition to
// another member only when a rebalance completes, and a rebalance completes
// only once this member has rejoined (kafkajs then emits REBALANCING first)
// or has been removed, which takes at least the session timeout (or the
// rebalance timeout) after its last successful heartbeat. So while no
// rebalance has been seen since the last heartbeat and less than half of the
// smaller of those timeouts has passed, the assignment read in the current
// epoch is still this member's. The check runs after the announcement is in
// the store, so a new owner, which reads announcements only after its own
// assignment, sees every attempt that passed it and waits for it.
//
// Rows of an epoch that has ended are not sent: their partition starts again
// from its committed offset on whichever member owns it now.
import type { Logger } from '../core/log/logger.ts';
import { partitionKey, type GuardTicket, type KafkaInsertGuard, type KafkaPartitionRef } from './buffer.ts';
import type { InsertIntents } from './insert-intents.ts';

export interface Membership {
  /** The consumer's current assignment epoch (one per group join). */
  epoch(): number;
  /** performance.now() until which the current assignment is certainly still this member's (0: not certain). */
  certainUntil(): number;
  /** Ask the group for a heartbeat (errors are the consumer's to handle). */
  heartbeat(): Promise<void>;
}

export class KafkaOwnershipGuard implements KafkaInsertGuard {
  constructor(
    private readonly intents: InsertIntents,
    private readonly membership: Membership,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
  ) {}

  async begin(refs: readonly KafkaPartitionRef[]): Promise<GuardTicket> {
    const intent = await this.intents.open(refs);
    let waitedSince = 0;
    for (;;) {
      const epoch = this.membership.epoch();
      const live = refs.filter((r) => r.epoch === epoch);
      if (live.length === 0 || this.membership.certainUntil() > performance.now()) {
        if (waitedSince) this.logger.info('group membership confirmed, inserting', { waited_ms: Math.round(performance.now() - waitedSince) });
        const owned = new Set(live.map((r) => partitionKey(r.topic, r.partition, r.epoch)));
        if (live.length < refs.length) {
          this.logger.info('not storing rows read in an earlier assignment: their partitions start again from the committed offset', {
            partitions: refs.filter((r) => r.epoch !== epoch).map((r) => `${r.topic}/${r.partition}`),
          });
        }
        return {
          owned,
          settle: async (outcome) => {
            if (outcome === 'unknown') intent.abandon();
            else await intent.close();
          },
        };
      }
      if (!waitedSince) {
        waitedSince = performance.now();
        this.logger.warn('not sure this member still owns its partitions (no recent heartbeat, or the group is rebalancing): holding the insert', {
          partitions: live.map((r) => `${r.topic}/${r.partition}`),
        });
      }
      if (this.signal.aborted) {
        await intent.close();
        throw this.signal.reason as Error;
      }
      await this.membership.heartbeat().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

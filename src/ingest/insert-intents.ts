// Inserts of Kafka rows in flight, kept in the store so that another daemon
// can wait for them (sql/081_ingest_intents.sql).
//
// Why: the resume fence (fence.ts) asks the store which positions of a
// partition are already stored when the partition is assigned. With several
// daemons on one ClickHouse server, the previous owner may still be inside an
// insert of that partition at that moment (a rebalance does not wait for a
// member's inserts, and a killed member's last insert can still be running on
// the server). Rows that land after the new owner's fence read would be
// stored twice. So every insert attempt of Kafka rows is announced here
// before it is sent, and a newly assigned partition is fenced only once no
// announced attempt of it is still open. kafka-insert-guard.ts holds the
// other half: an attempt is sent only while its member is certainly still
// the partition's owner, which places the announcement before the new
// owner's wait.
//
// An attempt's outcome is known when the server answered (stored or refused):
// it is closed. When it is not known (timeout, connection lost, the member
// died), the announcement stays open until it expires: it is renewed every
// third of its time to live while the attempt runs, so a dead member's
// announcement expires within one time to live.
import { randomUUID } from 'node:crypto';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';

export interface PartitionRef {
  topic: string;
  partition: number;
}

/** One row per partition, state open (renewed) or closed; times are the server's. */
const WRITE_SQL = `
INSERT INTO ingest_intents (insert_id, holder, topic, partition, state, expires_at)
SELECT {id:String}, {holder:String}, tp.1, tp.2, {state:String}, now64(3) + toIntervalMillisecond({ttl:UInt32})
FROM (SELECT arrayJoin(arrayZip({topics:Array(String)}, {partitions:Array(Int32)})) AS tp)`;

const IN_FLIGHT_SQL = `
SELECT insert_id, any(holder) AS holder,
       toUnixTimestamp64Milli(max(expires_at)) - toUnixTimestamp64Milli(now64(3)) AS left_ms
FROM ingest_intents
WHERE topic = {topic:String} AND partition = {partition:Int32} AND at > now64(9) - INTERVAL 1 DAY
GROUP BY insert_id
HAVING countIf(state = 'closed') = 0 AND left_ms > 0`;

export interface InFlight {
  insert_id: string;
  holder: string;
  left_ms: string | number;
}

export interface WaitOptions {
  signal: AbortSignal;
  /** Called between polls: keeps the waiting member in its group (and throws when the group rebalances). */
  heartbeat: () => Promise<void>;
  /** Runs each store lookup (the consumer retries them while the store is away). */
  lookup?: <T>(fn: () => Promise<T>) => Promise<T>;
  pollMs?: number;
}

export class InsertIntents {
  constructor(
    private readonly store: () => Store,
    /** Who announces (instance name and pid: for the logs and for whoever waits). */
    readonly holder: string,
    /** How long an announcement stays open without renewal. */
    readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Announce an attempt over these partitions; resolves once the store holds the announcement. */
  async open(parts: readonly PartitionRef[]): Promise<OpenIntent> {
    const intent = new OpenIntent(this, randomUUID(), parts);
    await this.write(intent.id, parts, 'open');
    intent.startRenewal();
    return intent;
  }

  /** @internal */
  async write(id: string, parts: readonly PartitionRef[], state: 'open' | 'closed'): Promise<void> {
    await this.store().command(WRITE_SQL, {
      params: { id, holder: this.holder, state, ttl: state === 'open' ? this.ttlMs : 0, topics: parts.map((p) => p.topic), partitions: parts.map((p) => p.partition) },
    });
  }

  /** @internal */
  warn(msg: string, e: unknown): void {
    this.logger.warn(msg, { error: describeError(e).slice(0, 300), code: 'DW_INGEST_INSERT_FAILED' });
  }

  /** Attempts of this partition announced and not yet closed or expired. */
  async inFlight(topic: string, partition: number): Promise<InFlight[]> {
    return this.store().query<InFlight>(IN_FLIGHT_SQL, { params: { topic, partition } });
  }

  /** Wait until no attempt of this partition is in flight; returns the ms waited. */
  async waitClear(topic: string, partition: number, opts: WaitOptions): Promise<number> {
    const t0 = performance.now();
    let logged = false;
    for (;;) {
      const read = () => this.inFlight(topic, partition);
      const open = await (opts.lookup ? opts.lookup(read) : read());
      if (open.length === 0) break;
      if (!logged) {
        logged = true;
        this.logger.info('waiting for inserts in flight of this partition (another member, or an earlier assignment) before reading what is stored', {
          topic,
          partition,
          inserts: open.map((o) => ({ holder: o.holder, expires_in_ms: Number(o.left_ms) })),
        });
      }
      if (opts.signal.aborted) throw opts.signal.reason as Error;
      await opts.heartbeat();
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
    }
    const ms = Math.round(performance.now() - t0);
    if (logged) this.logger.info('inserts in flight of this partition have landed', { topic, partition, waited_ms: ms });
    return ms;
  }
}

export class OpenIntent {
  #timer: NodeJS.Timeout | null = null;
  #settled = false;

  constructor(
    private readonly owner: InsertIntents,
    readonly id: string,
    readonly parts: readonly PartitionRef[],
  ) {}

  /** @internal */
  startRenewal(): void {
    const every = Math.max(50, Math.floor(this.owner.ttlMs / 3));
    this.#timer = setInterval(() => {
      this.owner.write(this.id, this.parts, 'open').catch((e: unknown) => this.owner.warn('could not renew an insert announcement; it expires on its own', e));
    }, every);
    this.#timer.unref();
  }

  /** The attempt's outcome is known (the server answered): nothing of it can land later. */
  async close(): Promise<void> {
    if (this.#settled) return;
    this.#stop();
    await this.owner.write(this.id, this.parts, 'closed').catch((e: unknown) => this.owner.warn('could not close an insert announcement; it expires on its own', e));
  }

  /** The outcome is unknown: stop renewing and let the announcement expire. */
  abandon(): void {
    this.#stop();
  }

  #stop(): void {
    this.#settled = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

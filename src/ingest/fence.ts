// Exactly-once effect across crashes. Offsets are committed only after their
// rows are stored, so after a crash (or a rebalance) Kafka delivers again
// everything past the last commit, some of which may already be stored. Every
// row carries its Kafka position (topic, partition, offset, index in the
// message), so when a partition is (re)assigned the fence asks the store which
// positions at or past the first offset delivered are there, and the consumer
// skips exactly those. A position is stored or not, whatever the insert looked
// like (several day partitions, a batch cut short by SIGKILL), so nothing is
// doubled and nothing dropped. The projection `by_kafka_position` (sql/002)
// keeps the lookup to a few granules; it is read in windows so memory stays
// bounded however far behind the committed offset is.
//
// The same crash can leave a predictions part committed while the
// feature_values part its materialized view was writing was not: the engine
// commits the source table first. For the rows the fence finds, `repairFeatureValues`
// re-derives feature_values rows that are missing, with the view's own SELECT.
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { formatTs, type TableName } from './encode.ts';

const WINDOW_ROWS = 200_000;

interface PositionRow {
  o: string | number;
  i: string | number;
  t: string | number;
}

/**
 * The SELECT of feature_values_mv (sql/001_core.sql), repeated because a
 * repair must run it over a filtered slice of predictions. A test
 * (test/ingest/fence-view.test.ts) holds the two to the same query as the
 * engine formats it, and to the same rows.
 */
export const FEATURE_VALUES_VIEW_SELECT = `
SELECT
    model,
    model_version,
    kv.1 AS feature,
    ts,
    CAST(multiIf(kv.2 = 'null', 'missing', startsWith(kv.2, '"'), 'string', kv.2 IN ('true', 'false'), 'bool', 'number'),
         'Enum8(\\'missing\\' = 0, \\'number\\' = 1, \\'string\\' = 2, \\'bool\\' = 3)') AS kind,
    if(kind = 'number', toFloat64OrZero(kv.2), 0) AS value_num,
    multiIf(kind = 'string', JSONExtractString(kv.2), kind = 'bool', kv.2, '') AS value_str,
    event_id
FROM predictions
ARRAY JOIN JSONExtractKeysAndValuesRaw(features) AS kv`;

const REPAIR_FEATURE_VALUES = `
INSERT INTO feature_values (model, model_version, feature, ts, kind, value_num, value_str, event_id)
${FEATURE_VALUES_VIEW_SELECT}
WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:Int32}
  AND kafka_offset >= {lo:Int64} AND kafka_offset < {hi:Int64}
  AND ts >= {tmin:DateTime64(3, 'UTC')} AND ts <= {tmax:DateTime64(3, 'UTC')}
  AND (model, event_id) NOT IN (
      SELECT model, event_id FROM feature_values
      WHERE ts >= {tmin:DateTime64(3, 'UTC')} AND ts <= {tmax:DateTime64(3, 'UTC')}
        AND event_id IN (
            SELECT event_id FROM predictions
            WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:Int32}
              AND kafka_offset >= {lo:Int64} AND kafka_offset < {hi:Int64}))`;

export async function repairFeatureValues(store: Store, topic: string, partition: number, lo: number, hi: number, tminMs: number, tmaxMs: number): Promise<void> {
  await store.command(REPAIR_FEATURE_VALUES, {
    params: { topic, partition, lo, hi, tmin: formatTs(tminMs), tmax: formatTs(tmaxMs) },
  });
}

export class ResumeFence {
  #lo = 0;
  #hi = 0;
  readonly #stored = new Map<number, number | Set<number>>();
  #skipped = 0;

  private constructor(
    private readonly store: () => Store,
    readonly table: TableName,
    readonly topic: string,
    readonly partition: number,
    /** Highest stored offset at or past the first delivered one. */
    readonly maxStored: number,
    readonly storedRows: number,
    private readonly logger: Logger,
  ) {}

  /** A fence for rows stored at or past `fromOffset`, or null when there are none (the usual case). */
  static async open(store: () => Store, table: TableName, topic: string, partition: number, fromOffset: number, logger: Logger): Promise<ResumeFence | null> {
    const [row] = await store().query<{ n: string | number; m: string | number }>(
      `SELECT count() AS n, max(kafka_offset) AS m FROM ${table} WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:Int32} AND kafka_offset >= {from:Int64}`,
      { params: { topic, partition, from: fromOffset } },
    );
    const n = Number(row?.n ?? 0);
    if (n === 0) return null;
    const fence = new ResumeFence(store, table, topic, partition, Number(row?.m), n, logger);
    fence.#lo = fromOffset;
    fence.#hi = fromOffset;
    logger.info('resuming past stored rows: Kafka delivers again what was stored but not committed; those rows are skipped', {
      table,
      topic,
      partition,
      from_offset: fromOffset,
      stored_rows: n,
      max_stored_offset: fence.maxStored,
    });
    return fence;
  }

  /** True while `offset` may hold stored rows. */
  covers(offset: number): boolean {
    return offset <= this.maxStored;
  }

  /** Load the window holding `offset` (call before isStored for each offset the fence covers). */
  async ensure(offset: number): Promise<void> {
    if (offset >= this.#lo && offset < this.#hi) return;
    const rows = await this.store().query<PositionRow>(
      `SELECT kafka_offset AS o, kafka_index AS i, toUnixTimestamp64Milli(ts) AS t FROM ${this.table}
       WHERE kafka_topic = {topic:String} AND kafka_partition = {partition:Int32} AND kafka_offset >= {lo:Int64}
       ORDER BY kafka_offset LIMIT {n:UInt32} WITH TIES`,
      { params: { topic: this.topic, partition: this.partition, lo: offset, n: WINDOW_ROWS } },
    );
    this.#stored.clear();
    let tmin = Infinity;
    let tmax = -Infinity;
    let last = offset;
    for (const r of rows) {
      const o = Number(r.o);
      const i = Number(r.i);
      const t = Number(r.t);
      if (t < tmin) tmin = t;
      if (t > tmax) tmax = t;
      last = o;
      const prev = this.#stored.get(o);
      if (prev === undefined) this.#stored.set(o, i);
      else if (typeof prev === 'number') this.#stored.set(o, new Set([prev, i]));
      else prev.add(i);
    }
    this.#lo = offset;
    this.#hi = rows.length < WINDOW_ROWS ? this.maxStored + 1 : last + 1;
    if (this.table === 'predictions' && rows.length > 0) {
      await repairFeatureValues(this.store(), this.topic, this.partition, this.#lo, this.#hi, tmin, tmax);
    }
  }

  /** Whether the row at (offset, index) is already stored. Needs ensure(offset) first. */
  isStored(offset: number, index: number): boolean {
    const s = this.#stored.get(offset);
    const hit = s !== undefined && (typeof s === 'number' ? s === index : s.has(index));
    if (hit) this.#skipped++;
    return hit;
  }

  get skipped(): number {
    return this.#skipped;
  }
}

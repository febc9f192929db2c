// Predictions generated inside the embedded engine (INSERT ... SELECT FROM
// numbers()), through the real tables: the materialized views fan each one
// out as the daemon's inserts do; and the timed detector run over them.
// Shared by bench:detect and bench:scale. Model 'bench', version 'v1'; 20
// features: 15 numeric (normal, scaled per feature, rounded to 4 decimals;
// num_0..num_2 shifted from `driftFrom` on; num_14 missing 5% of the time)
// and 5 categorical.
import { driftThresholdsSchema } from '../../detectors/drift/config.ts';
import { runDrift } from '../../detectors/drift/detector.ts';
import type { ScoreRow } from '../../src/core/score.ts';
import { openEmbeddedStore } from '../../src/core/store/embedded.ts';
import type { Store } from '../../src/core/store/store.ts';

export const DAY = 86_400_000;
/** The day the benches score; the day before is its baseline. */
export const SCORED_DAY = Date.parse('2026-03-02T00:00:00Z');

export const NUMERIC = 15;
export const CATEGORICAL = 5;

function featuresSql(driftFrom: number): string {
  const u = (salt: string) => `((cityHash64(number, '${salt}') % 1000000007) / 1000000007)`;
  const normal = (salt: string) => `(sqrt(-2 * log(1 - ${u(salt + 'a')})) * cos(2 * pi() * ${u(salt + 'b')}))`;
  const parts: string[] = [];
  for (let i = 0; i < NUMERIC; i++) {
    const shift = i < 3 ? ` + if(ts >= fromUnixTimestamp64Milli(${driftFrom}, 'UTC'), ${0.1 * (i + 1)}, 0)` : '';
    const missing = i === 14 ? `${u('miss')} < 0.05, 'null', ` : '';
    const value = `toString(round(${normal(`n${i}`)} * ${i + 1} + ${i}${shift}, 4))`;
    parts.push(`'"num_${i}":', ${missing ? `if(${missing}${value})` : value}`);
  }
  for (let i = 0; i < CATEGORICAL; i++) parts.push(`'"cat_${i}":"c', toString(cityHash64(number, 'c${i}') % ${5 + 3 * i}), '"'`);
  return `concat('{', ${parts.join(", ',', ")}, '}')`;
}

export interface Span {
  /** Epoch ms of the first event. */
  start: number;
  /** Events are spread evenly over this many ms. */
  span: number;
  /** Events in the whole span (the spacing). */
  total: number;
  /** Epoch ms from which num_0..num_2 drift. */
  driftFrom: number;
  /**
   * Insert the span in `chunks` interleaved chunks instead of in order:
   * chunk `index` holds events index, index + chunks, index + 2 * chunks, ...
   * so every prefix of the chunks covers the whole span.
   */
  stride?: { chunks: number; index: number };
}

/** `total` events over the baseline day and the scored day, num_0..num_2 drifting on the second. */
export function twoDays(total: number): Span {
  return { start: SCORED_DAY - DAY, span: 2 * DAY, total, driftFrom: SCORED_DAY };
}

/** Insert events [off, off + n) of the span: one INSERT, one block. */
export async function insertGenerated(store: Store, s: Span, off: number, n: number): Promise<void> {
  await store.command(
    `INSERT INTO predictions (event_id, ts, model, model_version, prediction, prediction_num, confidence, latency_ms, error, tags, features, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT toString(number), fromUnixTimestamp64Milli(toInt64(${s.start} + intDiv(number * ${s.span}, ${s.total})), 'UTC') AS ts, 'bench', 'v1',
            ['yes', 'no', 'maybe'][1 + cityHash64(number, 'p') % 3], NULL, 0.5 + 0.5 * ((cityHash64(number, 'conf') % 1000) / 1000), 5, '', map(), ${featuresSql(s.driftFrom)}, 'bench', '', -1, -1
     FROM (SELECT ${s.stride ? `toUInt64(${s.stride.index} + ${s.stride.chunks} * n0)` : 'n0'} AS number FROM (SELECT number AS n0 FROM numbers(${off}, ${n})))`,
    { settings: { max_insert_block_size: n, min_insert_block_size_rows: n } },
  );
}

/**
 * One drift detector run (every feature and metric) over the scored day
 * against the day before, on the store in `dir`; its seconds and the
 * process's peak RSS (engine included), which is the run's own when the
 * caller is a process of its own.
 */
export async function timedDriftRun(dir: string): Promise<{ seconds: number; rssMb: number; rows: ScoreRow[] }> {
  const store = await openEmbeddedStore({ path: dir, database: 'driftwatch' });
  try {
    const t0 = performance.now();
    const rows = await runDrift(
      store,
      { name: 'bench', baseline: { type: 'previous' }, thresholds: driftThresholdsSchema.parse({}), minSamples: 500 },
      { runId: 'bench', runAt: new Date(), window: { start: new Date(SCORED_DAY), end: new Date(SCORED_DAY + DAY) } },
    );
    return { seconds: (performance.now() - t0) / 1000, rssMb: process.resourceUsage().maxRSS / 1024, rows };
  } finally {
    await store.close();
  }
}

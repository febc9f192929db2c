// A champion, a regressed canary, a clone of the champion and shadows, all in
// the hour 10:00-11:00 of 2026-11-23. Pseudo-random columns come from
// cityHash64(number, salt), so every run sees the same data.
//   fraud/v1       champion: 1000 requests, latency 10-30 ms, 1% errors, good scores
//   fraud/v2       canary: latency doubled, 6% errors, amount shifted, more FR, weak scores
//   fraud/v1clone  the champion's distributions with other salts (fresh samples)
//   fraud/v3       shadow of v1: the same event_ids, every 10th prediction flipped
//   pricing/r1,r2  regression live and shadow on the same event_ids
import type { Store } from '../../../src/core/store/store.ts';
import { generatePredictions } from '../operational/fixtures.ts';

export const START = '2026-11-23T10:00:00Z';
export const END = '2026-11-23T11:00:00Z';
const U = (salt: string) => `((cityHash64(number, '${salt}') % 1000000) / 1000000)`;

interface Flavour {
  version: string;
  salt: string;
  eventPrefix: string;
  latency: (salt: string) => string;
  errorShare: number;
  amount: (salt: string) => string;
  country: (salt: string) => string;
  /** Score of class 1 given y (a 0/1 expression). */
  score: (salt: string, y: string) => string;
  flipEvery?: number;
}

const champion = (version: string, salt: string): Flavour => ({
  version,
  salt,
  eventPrefix: `fraud-${version}-`,
  latency: (s) => `10 + 20 * ${U(`lat${s}`)}`,
  errorShare: 0.01,
  amount: (s) => `100 + 50 * ${U(`amt${s}`)}`,
  country: (s) => `['DE', 'US', 'FR'][1 + cityHash64(number, 'c${s}') % 3]`,
  score: (s, y) => `if(${y}, 0.35 + 0.6 * ${U(`s${s}`)}, 0.05 + 0.6 * ${U(`s${s}`)})`,
});

async function fraud(store: Store, f: Flavour): Promise<void> {
  const y = `(${U(`y${f.salt}`)} < 0.4)`;
  const p1 = f.score(f.salt, y);
  const pred = f.flipEvery ? `if(number % ${f.flipEvery} = 0, ${p1} < 0.5, ${p1} >= 0.5)` : `${p1} >= 0.5`;
  await generatePredictions(store, {
    model: 'fraud',
    version: f.version,
    start: START,
    n: 1000,
    stepMs: 3600,
    eventId: `concat('${f.eventPrefix}', toString(number))`,
    prediction: `toString(toUInt8(${pred}))`,
    predictionNum: `toFloat64(${pred})`,
    confidence: `greatest(${p1}, 1 - ${p1})`,
    probabilities: `map('1', ${p1}, '0', 1 - ${p1})`,
    latency: f.latency(f.salt),
    error: `if(${U(`err${f.salt}`)} < ${f.errorShare}, 'timeout', '')`,
    tags: `map('deployment', '${f.version === 'v3' ? 'shadow' : f.version === 'v1' ? 'champion' : 'canary'}')`,
    features: `concat('{"amount":', toString(${f.amount(f.salt)}), ',"country":"', ${f.country(f.salt)}, '"}')`,
  });
  if (f.version === 'v3') return; // same events as v1: v1's labels serve both
  await store.command(
    `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT concat('${f.eventPrefix}', toString(number)), 'fraud', toString(toUInt8(${y})), toFloat64(${y}),
            fromUnixTimestamp64Milli(toInt64(${Date.parse(START)} + number * 3600 + 60000), 'UTC'), 'test', '', -1, -1
     FROM numbers(1000)`,
  );
}

export async function seedPlanted(store: Store): Promise<void> {
  await fraud(store, champion('v1', ''));
  await fraud(store, champion('v1clone', '-clone'));
  await fraud(store, {
    ...champion('v2', '-canary'),
    latency: (s) => `20 + 40 * ${U(`lat${s}`)}`,
    errorShare: 0.06,
    amount: (s) => `120 + 50 * ${U(`amt${s}`)}`,
    country: (s) => `['DE', 'US', 'FR', 'FR', 'FR'][1 + cityHash64(number, 'c${s}') % 5]`,
    score: (s) => `0.2 + 0.6 * ${U(`s${s}`)}`,
  });
  await fraud(store, { ...champion('v3', ''), eventPrefix: 'fraud-v1-', flipEvery: 10 });
  // pricing: r2 = 1.05 r1 + ((i mod 5) - 2) / 10 on the same events.
  for (const [version, value] of [
    ['r1', 'toFloat64(number % 37)'],
    ['r2', 'toFloat64(number % 37) * 1.05 + (toInt64(number % 5) - 2) / 10'],
  ] as const) {
    await generatePredictions(store, {
      model: 'pricing',
      version,
      start: START,
      n: 500,
      stepMs: 7200,
      eventId: "concat('pricing-', toString(number))",
      predictionNum: `toNullable(${value})`,
      prediction: `toString(${value})`,
      latency: '5.0',
    });
  }
}

// Synthetic prediction traffic for the demo and the benchmarks: a fraud
// model with 20 features (15 numeric, 5 categorical), a champion version in
// the baseline window and a canary whose traffic has drifted.
export interface DemoEvent {
  event_id: string;
  ts: number;
  model: string;
  model_version: string;
  features: Record<string, number | string | boolean | null>;
  prediction: string;
  confidence: number;
  probabilities: Record<string, number>;
  latency_ms: number;
  error: string | null;
  tags: Record<string, string>;
}

/** A small seeded PRNG (mulberry32) so runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'ES', 'IT'];
const DEVICES = ['ios', 'android', 'web'];
const CHANNELS = ['app', 'web', 'pos', 'phone'];
const MERCHANTS = ['grocery', 'travel', 'electronics', 'fashion', 'gaming'];

export interface TrafficOptions {
  model?: string;
  version: string;
  /** Drift strength: 0 = the baseline distribution. */
  drift: number;
  seed: number;
  startMs: number;
  endMs: number;
  count: number;
  idPrefix: string;
  deployment?: string;
}

export function* traffic(o: TrafficOptions): Generator<DemoEvent> {
  const r = rng(o.seed);
  const span = o.endMs - o.startMs;
  for (let i = 0; i < o.count; i++) {
    const d = o.drift;
    const f: Record<string, number | string | boolean | null> = {
      amount: Math.round(Math.exp(4 + 0.8 * normal(r) + 0.6 * d) * 100) / 100,
      age: Math.round(40 + 12 * normal(r)),
      account_age_days: Math.round(Math.abs(400 + 300 * normal(r))),
      txn_count_24h: Math.round(Math.abs(3 + 2 * normal(r) + 3 * d)),
      avg_amount_30d: Math.round(Math.exp(4 + 0.5 * normal(r)) * 100) / 100,
      distance_km: Math.round(Math.abs(20 + 30 * normal(r)) * 10) / 10,
      hour_of_day: Math.floor(r() * 24),
      velocity_1h: Math.round(Math.abs(1 + normal(r)) * 100) / 100,
      risk_score_ext: Math.round(Math.min(1, Math.max(0, 0.3 + 0.15 * normal(r) + 0.2 * d)) * 1000) / 1000,
      num_cards: 1 + Math.floor(r() * 4),
      failed_logins_7d: Math.floor(Math.abs(normal(r)) * 2),
      basket_items: 1 + Math.floor(r() * 8),
      discount_pct: Math.round(r() * 30),
      session_seconds: Math.round(Math.abs(120 + 90 * normal(r))),
      // Missing values grow with drift: an upstream join started failing.
      income: r() < 0.03 + 0.25 * d ? null : Math.round(50 + 15 * normal(r)),
      country: r() < 0.15 * d ? 'BR' : (COUNTRIES[Math.floor(r() * COUNTRIES.length)] ?? 'DE'),
      device: DEVICES[Math.floor(Math.pow(r(), 1 + d) * DEVICES.length)] ?? 'web',
      channel: CHANNELS[Math.floor(r() * CHANNELS.length)] ?? 'app',
      merchant_category: MERCHANTS[Math.floor(r() * MERCHANTS.length)] ?? 'grocery',
      is_new_customer: r() < 0.2 + 0.2 * d,
    };
    const p = Math.min(0.99, Math.max(0.01, 0.15 + 0.3 * ((f.risk_score_ext as number) - 0.3) + 0.05 * normal(r) + 0.1 * d));
    const fraud = p > 0.5;
    yield {
      event_id: `${o.idPrefix}-${i}`,
      ts: o.startMs + Math.floor((i / o.count) * span),
      model: o.model ?? 'fraud',
      model_version: o.version,
      features: f,
      prediction: fraud ? 'fraud' : 'ok',
      confidence: Math.round(Math.max(p, 1 - p) * 1000) / 1000,
      probabilities: { fraud: Math.round(p * 1000) / 1000, ok: Math.round((1 - p) * 1000) / 1000 },
      latency_ms: Math.round(Math.abs(12 + 4 * normal(r) + 10 * d * r()) * 10) / 10,
      error: r() < 0.002 + 0.02 * d ? 'timeout' : null,
      tags: { region: r() < 0.5 ? 'eu' : 'us', deployment: o.deployment ?? 'stable' },
    };
  }
}

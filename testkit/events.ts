// Shared by tests and benches (never by the product): realistic events and
// their generators live here so bench/ does not reach into test/.
// Realistic events for ingest tests and the bench: 20 features (15 numeric,
// 5 categorical), about 600 bytes as JSON.
const CATEGORIES = ['DE', 'FR', 'US', 'GB', 'IT', 'ES', 'NL', 'PL'] as const;
const DEVICES = ['ios', 'android', 'web'] as const;

export const BASE_TS = Date.UTC(2026, 10, 23, 18, 0, 0);

/** A deterministic pseudo-random source (tests must not depend on Math.random). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface PredictionEvent {
  event_id: string;
  ts: string | number;
  model: string;
  model_version: string;
  features: Record<string, number | string | boolean | null>;
  prediction: number | string;
  confidence: number;
  probabilities: Record<string, number>;
  latency_ms: number;
  error: string | null;
  tags: Record<string, string>;
}

export function predictionEvent(i: number, opts: { prefix?: string; model?: string; random?: () => number; spreadDays?: number; epochMs?: boolean } = {}): PredictionEvent {
  const r = opts.random ?? rng(i + 1);
  const features: Record<string, number | string> = {};
  for (let k = 0; k < 15; k++) features[`num_${k}`] = Math.round(r() * 1_000_000) / 100;
  for (let k = 0; k < 4; k++) features[`cat_${k}`] = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!;
  features.device = DEVICES[i % DEVICES.length]!;
  const p = Math.round(r() * 1000) / 1000;
  const day = opts.spreadDays ? (i % opts.spreadDays) * 86_400_000 : 0;
  return {
    event_id: `${opts.prefix ?? 'evt'}-${i}`,
    ts: opts.epochMs ? BASE_TS + day + i : new Date(BASE_TS + day + i).toISOString(),
    model: opts.model ?? 'fraud',
    model_version: i % 10 === 0 ? 'v13' : 'v12',
    features,
    prediction: p > 0.5 ? 1 : 0,
    confidence: p,
    probabilities: { fraud: p, ok: Math.round((1 - p) * 1000) / 1000 },
    latency_ms: Math.round(r() * 5000) / 100,
    error: null,
    tags: { region: i % 3 === 0 ? 'eu' : 'us', deployment: 'stable' },
  };
}

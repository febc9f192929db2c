// The demo's traffic: two models with two versions each, logged the way
// model servers log them.
//   fraud  v1 champion (75%) and v2 canary (25%), the 20 features of
//          traffic.ts; after the incident the canary's traffic drifts on
//          two features (amount, country: a new market routed to it) and the
//          canary itself degrades (lower confidence, more errors, slower).
//   churn  v7 live and v8 in shadow: v8 scores the same events (same
//          event_id) and agrees with v7 most of the time.
// Labels (ground truth) arrive 20-40 s after their prediction.
import { rng, type DemoEvent } from './traffic.ts';

/** The simulator's events have the walkthrough's shape. */
export type SimEvent = DemoEvent;

export interface SimLabel {
  event_id: string;
  model: string;
  label: string;
  ts: number;
}

export interface SimBatch {
  predictions: SimEvent[];
  labels: SimLabel[];
}

export interface SimulatorOptions {
  seed?: number;
  /** fraud events per second (both versions). */
  fraudRate?: number;
  /** churn events per second (each is logged by v7 and by its shadow v8). */
  churnRate?: number;
  /** A prefix keeping event ids of separate runs apart. */
  runId: string;
}

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'ES', 'IT'];
const DEVICES = ['ios', 'android', 'web'];
const CHANNELS = ['app', 'web', 'pos', 'phone'];
const MERCHANTS = ['grocery', 'travel', 'electronics', 'fashion', 'gaming'];
const PLANS = ['basic', 'plus', 'family', 'business'];
const REGIONS = ['north', 'south', 'east', 'west'];

const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export class Simulator {
  readonly #r: () => number;
  readonly #o: Required<SimulatorOptions>;
  #seq = 0;
  #labels: Array<SimLabel & { due: number }> = [];
  /** When the incident starts (ms); null: never. */
  incidentAt: number | null = null;

  constructor(o: SimulatorOptions) {
    this.#o = { seed: 7, fraudRate: 40, churnRate: 12, ...o };
    this.#r = rng(this.#o.seed);
  }

  #normal(): number {
    const u = Math.max(this.#r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.#r());
  }

  #pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#r() * xs.length)] as T;
  }

  /** Everything logged in [fromMs, toMs): predictions spread over the span, and the labels due by toMs. */
  step(fromMs: number, toMs: number): SimBatch {
    const predictions: SimEvent[] = [];
    const span = Math.max(0, toMs - fromMs) / 1000;
    const count = (rate: number): number => {
      const x = rate * span;
      return Math.floor(x) + (this.#r() < x - Math.floor(x) ? 1 : 0);
    };
    const nf = count(this.#o.fraudRate);
    for (let i = 0; i < nf; i++) predictions.push(this.#fraud(fromMs + Math.floor(((i + this.#r()) / nf) * (toMs - fromMs))));
    const nc = count(this.#o.churnRate);
    for (let i = 0; i < nc; i++) predictions.push(...this.#churn(fromMs + Math.floor(((i + this.#r()) / nc) * (toMs - fromMs))));
    const due = this.#labels.filter((l) => l.due < toMs);
    this.#labels = this.#labels.filter((l) => l.due >= toMs);
    return { predictions, labels: due.map(({ due: _due, ...l }) => ({ ...l, ts: _due })) };
  }

  #incident(ts: number): boolean {
    return this.incidentAt !== null && ts >= this.incidentAt;
  }

  #label(event_id: string, model: string, label: string, ts: number): void {
    this.#labels.push({ event_id, model, label, ts, due: ts + 20_000 + Math.floor(this.#r() * 20_000) });
  }

  #fraud(ts: number): SimEvent {
    const canary = this.#r() < 0.25;
    const version = canary ? 'v2' : 'v1';
    const bad = canary && this.#incident(ts);
    const n = () => this.#normal();
    const f: Record<string, number | string | boolean | null> = {
      // The incident routes a new market to the canary: bigger amounts, a new country.
      amount: round(Math.exp(4 + 0.8 * n() + (bad ? 1.1 : 0))),
      age: Math.round(40 + 12 * n()),
      account_age_days: Math.round(Math.abs(400 + 300 * n())),
      txn_count_24h: Math.round(Math.abs(3 + 2 * n())),
      avg_amount_30d: round(Math.exp(4 + 0.5 * n())),
      distance_km: round(Math.abs(20 + 30 * n()), 1),
      hour_of_day: new Date(ts).getUTCHours(),
      velocity_1h: round(Math.abs(1 + n())),
      risk_score_ext: round(clamp(0.3 + 0.15 * n(), 0, 1), 3),
      num_cards: 1 + Math.floor(this.#r() * 4),
      failed_logins_7d: Math.floor(Math.abs(n()) * 2),
      basket_items: 1 + Math.floor(this.#r() * 8),
      discount_pct: Math.round(this.#r() * 30),
      session_seconds: Math.round(Math.abs(120 + 90 * n())),
      income: this.#r() < 0.03 ? null : Math.round(50 + 15 * n()),
      country: bad && this.#r() < 0.4 ? 'BR' : this.#pick(COUNTRIES),
      device: this.#pick(DEVICES),
      channel: this.#pick(CHANNELS),
      merchant_category: this.#pick(MERCHANTS),
      is_new_customer: this.#r() < 0.2,
    };
    // Fraud is rare and tied to the external risk score; the model sees it
    // well (confident) until the incident, when the canary turns unsure.
    const risk = f.risk_score_ext as number;
    const isFraud = this.#r() < clamp(0.04 + 0.5 * (risk - 0.3), 0.005, 0.9);
    const sharp = bad ? 0.12 : 0.35;
    const p = clamp(isFraud ? 0.5 + sharp + 0.08 * n() : 0.5 - sharp + 0.08 * n(), 0.01, 0.99);
    const event_id = `${this.#o.runId}-f${this.#seq++}`;
    if (this.#r() < 0.9) this.#label(event_id, 'fraud', isFraud ? 'fraud' : 'ok', ts);
    const latency = Math.abs(12 + 4 * n() + (bad ? 14 * this.#r() : 0));
    const error = this.#r() < (bad ? 0.08 : 0.004) ? 'timeout' : null;
    const tags = { region: this.#r() < 0.5 ? 'eu' : 'us', deployment: canary ? 'canary' : 'stable' };
    return binaryEvent({ event_id, ts, model: 'fraud', version, features: f, classes: ['fraud', 'ok'], p, latency, error, tags });
  }

  /** One churn event, scored by v7 (live) and by v8 (shadow) under the same event_id. */
  #churn(ts: number): SimEvent[] {
    const n = () => this.#normal();
    const f: Record<string, number | string | boolean | null> = {
      tenure_months: Math.round(Math.abs(24 + 18 * n())),
      monthly_spend: round(Math.abs(45 + 20 * n())),
      support_tickets_30d: Math.floor(Math.abs(n()) * 1.5),
      days_since_login: Math.round(Math.abs(5 + 8 * n())),
      discount_pct: Math.round(this.#r() * 20),
      plan: this.#pick(PLANS),
      region: this.#pick(REGIONS),
      autopay: this.#r() < 0.6,
    };
    const score = clamp(0.25 + 0.05 * (f.support_tickets_30d as number) + 0.01 * (f.days_since_login as number) - 0.004 * (f.tenure_months as number) + 0.1 * n(), 0.01, 0.99);
    const churned = this.#r() < score;
    const event_id = `${this.#o.runId}-c${this.#seq++}`;
    if (this.#r() < 0.9) this.#label(event_id, 'churn', churned ? 'churn' : 'stay', ts);
    const out = (version: string, p: number, latency: number): SimEvent =>
      binaryEvent({
        event_id,
        ts,
        model: 'churn',
        version,
        features: f,
        classes: ['churn', 'stay'],
        p,
        latency,
        error: this.#r() < 0.003 ? 'timeout' : null,
        tags: { region: f.region as string, deployment: version === 'v8' ? 'shadow' : 'stable' },
      });
    return [out('v7', score, Math.abs(30 + 6 * n())), out('v8', clamp(score + 0.06 * n(), 0.01, 0.99), Math.abs(22 + 5 * n()))];
  }
}

/** A binary classifier's event: `p` is the probability of the first class. */
function binaryEvent(e: {
  event_id: string;
  ts: number;
  model: string;
  version: string;
  features: SimEvent['features'];
  classes: readonly [string, string];
  p: number;
  latency: number;
  error: string | null;
  tags: Record<string, string>;
}): SimEvent {
  const [yes, no] = e.classes;
  return {
    event_id: e.event_id,
    ts: e.ts,
    model: e.model,
    model_version: e.version,
    features: e.features,
    prediction: e.p > 0.5 ? yes : no,
    confidence: round(Math.max(e.p, 1 - e.p), 3),
    probabilities: { [yes]: round(e.p, 3), [no]: round(1 - e.p, 3) },
    latency_ms: round(e.latency, 1),
    error: e.error,
    tags: e.tags,
  };
}

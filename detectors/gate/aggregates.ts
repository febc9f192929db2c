// The sufficient statistics a gate decision is made from: what the engine
// returns per side (baseline a, candidate b), never rows. The simulation in
// the tests builds the same shapes from simulated traffic and feeds them to
// the same checks.
import type { CountSide, MeanSide, QuantileSide } from './estimates.ts';

export interface SideSummary {
  /** Predictions in the window. */
  n: number;
  /** Predictions with a non-empty error. */
  errors: number;
  /** The p95 of latency_ms with its sparsity band; null when the side logged no latency. */
  latency: QuantileSide | null;
  /** Mean and variance of confidence over the predictions that have one (n = 0: none logged). */
  confidence: MeanSide;
}

/** Counts per bin of both sides; bins are labels ("class 1", "≤ 12.5", "missing", "other"). */
export interface Distribution {
  bins: string[];
  a: number[];
  b: number[];
}

export interface FeatureDistribution extends Distribution {
  name: string;
  kind: 'numeric' | 'categorical' | 'absent';
}

export type QualityAggregates = { task: 'classification'; a: CountSide; b: CountSide } | { task: 'regression'; a: MeanSide; b: MeanSide };

export interface ShadowAggregates {
  task: 'classification' | 'regression';
  /** Events both versions predicted. */
  shared: number;
  /** Of those, how many got different classes. */
  disagree: number;
}

export interface GateAggregates {
  a: SideSummary;
  b: SideSummary;
  /** Null when the candidate made no predictions. */
  prediction: Distribution | null;
  /** One per critical feature, in the policy's order. */
  features: FeatureDistribution[];
  /** Labelled predictions; null when there are none on either side. */
  quality: QualityAggregates | null;
  /** Shared events; null when the versions share none. */
  shadow: ShadowAggregates | null;
}

/** Most bins a distribution is cut into: ten deciles or nine categories plus "other", and "missing". */
export const MAX_BINS = 11;

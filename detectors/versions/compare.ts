// Champion vs canary: every operational, quality, drift and shadow metric of
// version b with version a as its baseline, over the same window, side by
// side with deltas and p-values: the evidence a rollout decision needs.
// Operational and quality rows come from the same monitors the scheduler
// runs (baseline kind 'version'); the latency rows also get the two-sample
// KS test of the two latency distributions as their p-value, so a p95 ratio
// only alerts when the distributions differ significantly.
import type { Store } from '../../src/core/store/store.ts';
import { ksTestFromNumerator } from '../stats/ks.ts';
import type { ScoreRow, ScoreStatus, TimeWindow } from '../../src/core/score.ts';
import { DEFAULT_MONITOR_THRESHOLDS, validateContext, type MonitorContext, type MonitorThresholds } from '../operational/context.ts';
import { errorRateMonitor } from '../operational/errors.ts';
import { loadFeatureStats } from '../operational/feature-stats.ts';
import { latencyMonitor } from '../operational/latency.ts';
import { missingScores } from '../operational/missing.ts';
import { schemaScores } from '../operational/schema.ts';
import { bothSides } from '../operational/sides.ts';
import { loadDeploymentTags, withTags } from '../operational/tags.ts';
import { volumeMonitor } from '../operational/volume.ts';
import { DEFAULT_LABEL_HORIZON_MS, type QualityContext, type QualityTask } from '../quality/context.ts';
import { qualityMonitor } from '../quality/quality.ts';
import { ecdfBySql } from './ecdf-sql.ts';
import { featureDrift } from './feature-drift.ts';
import { shadowMonitor } from './shadow.ts';

export interface VersionsCompareOptions {
  model: string;
  /** The champion (baseline). */
  a: string;
  /** The candidate (canary). */
  b: string;
  window: TimeWindow;
  minCount: number;
  thresholds?: Partial<MonitorThresholds>;
  labelHorizonMs?: number;
  tasks?: Readonly<Record<string, QualityTask>>;
  positiveClass?: Readonly<Record<string, string>>;
  runId?: string;
  runAt?: Date;
  signal?: AbortSignal;
}

export type CompareSection = 'operational' | 'quality' | 'drift' | 'shadow';

export interface CompareRow {
  section: CompareSection;
  metric: string;
  feature: string;
  /** Version a's value (the baseline's: 1 for a ratio, 0 for a delta or a drift statistic). */
  a: number | null;
  b: number | null;
  /** b - a. */
  delta: number | null;
  p_value: number | null;
  threshold: number | null;
  status: ScoreStatus;
  n_a: number;
  n_b: number;
}

export interface VersionsReport {
  model: string;
  a: string;
  b: string;
  window: { start: string; end: string };
  /** Rows whose status is warn or alert. */
  flagged: number;
  rows: CompareRow[];
}

const SECTION: Record<string, CompareSection> = { volume: 'operational', latency: 'operational', errors: 'operational', schema: 'operational', missing: 'operational', quality: 'quality', drift: 'drift', shadow: 'shadow' };

export function compareContext(opts: VersionsCompareOptions): QualityContext {
  return {
    runId: opts.runId ?? `versions-${opts.model}-${opts.a}-${opts.b}-${opts.window.end.getTime()}`,
    runAt: opts.runAt ?? new Date(),
    window: opts.window,
    baseline: { kind: 'version', version: opts.a },
    model: opts.model,
    version: opts.b,
    thresholds: { ...DEFAULT_MONITOR_THRESHOLDS, ...opts.thresholds },
    minCount: opts.minCount,
    labelHorizonMs: opts.labelHorizonMs ?? DEFAULT_LABEL_HORIZON_MS,
    tasks: opts.tasks,
    positiveClass: opts.positiveClass,
    signal: opts.signal,
  };
}

/** Every score of b against a, as ScoreRows (baseline "version:<a>"). */
export async function versionScores(store: Store, opts: VersionsCompareOptions): Promise<ScoreRow[]> {
  const ctx = compareContext(opts);
  validateContext(ctx);
  const latencyP = await latencyKsPValue(store, ctx);
  const volume = await volumeMonitor(store, ctx);
  const latency = await latencyMonitor(store, ctx, { pValue: () => latencyP });
  const errors = await errorRateMonitor(store, ctx);
  const features = await loadFeatureStats(store, ctx);
  const quality = await qualityMonitor(store, ctx);
  const drift = await featureDrift(store, ctx, features);
  const shadow = await shadowMonitor(store, ctx);
  const tags = await loadDeploymentTags(store, { ...ctx, version: undefined });
  const rows = [
    ...volume,
    ...latency.map((r) => (r.metric.startsWith('latency_p') && r.metric.endsWith('_ms') ? { ...r, p_value: latencyP } : r)),
    ...errors,
    ...schemaScores(features, ctx),
    ...missingScores(features, ctx),
    // labels_unknown is per model, not per version.
    ...quality.filter((r) => r.model_version === opts.b),
    ...drift,
    ...shadow,
  ];
  return withTags(rows, tags);
}

export function toReport(opts: VersionsCompareOptions, scores: readonly ScoreRow[]): VersionsReport {
  const rows = scores.map((s): CompareRow => {
    const d = s.details ? (JSON.parse(s.details) as { ref?: number | null }) : {};
    const a = typeof d.ref === 'number' ? d.ref : null;
    return {
      section: SECTION[s.detector] ?? 'operational',
      metric: s.metric,
      feature: s.feature,
      a,
      b: s.value,
      delta: a !== null && s.value !== null ? s.value - a : null,
      p_value: s.p_value,
      threshold: s.threshold,
      status: s.status,
      n_a: s.n_ref,
      n_b: s.n_cur,
    };
  });
  return {
    model: opts.model,
    a: opts.a,
    b: opts.b,
    window: { start: opts.window.start.toISOString(), end: opts.window.end.toISOString() },
    flagged: rows.filter((r) => r.status === 'alert' || r.status === 'warn').length,
    rows,
  };
}

export async function compareVersions(store: Store, opts: VersionsCompareOptions): Promise<VersionsReport> {
  return toReport(opts, await versionScores(store, opts));
}

/** Two-sample KS p-value of b's latencies against a's; null when a side has none. */
async function latencyKsPValue(store: Store, ctx: MonitorContext): Promise<number | null> {
  const source = bothSides(ctx, (where, side) => `SELECT '' AS key, '${side}' AS side, assumeNotNull(latency_ms) AS v FROM predictions WHERE ${where} AND latency_ms IS NOT NULL`);
  const e = (await ecdfBySql(store, { ...source, signal: ctx.signal })).get('');
  return e ? ksTestFromNumerator(e.dNumerator, e.nRef, e.nCur).p_value : null;
}

// What every operational, quality and version monitor is given: the run, the
// current window, how to pick the baseline, which model/version to look at,
// thresholds and the minimum count below which a metric is not judged.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, TimeWindow } from '../../src/core/score.ts';

export type Baseline =
  /** A pinned time range, same model and version. */
  | { kind: 'range'; start: Date; end: Date }
  /** The window just before the current one, same length. */
  | { kind: 'previous' }
  /** The current window shifted back seven days. */
  | { kind: 'same_hour_last_week' }
  /** Another version of the same model in the same window (champion vs canary). */
  | { kind: 'version'; version: string };

export interface MonitorThresholds {
  /** volume_ratio at or below this is a traffic drop. @default 0.5 */
  volumeDrop: number;
  /** volume_ratio at or above this is a traffic spike. @default 2 */
  volumeSpike: number;
  /** latency_p95_ratio at or above this is a latency spike. @default 1.5 */
  latencyRatio: number;
  /** error_rate_delta at or above this (and significant) is an error rate increase. @default 0.01 */
  errorRateDelta: number;
  /** Significance level for the tests (error rate, accuracy, drift p-values after BH). @default 0.01 */
  alpha: number;
  /** |missing_share(cur) - missing_share(ref)| bands, as docs/statistics.md. @default 0.05 / 0.2 */
  missingWarn: number;
  missingAlert: number;
  /** PSI bands for feature drift between versions, as docs/statistics.md. @default 0.1 / 0.25 */
  psiWarn: number;
  psiAlert: number;
  /** Absolute drop of a score metric (accuracy, macro precision/recall/F1, ROC AUC) that alerts. @default 0.05 */
  qualityDrop: number;
  /** Ratio of an error metric (log loss, Brier, ECE, MAE, RMSE, MAPE) to the baseline that alerts. @default 1.25 */
  qualityErrorRatio: number;
}

export const DEFAULT_MONITOR_THRESHOLDS: Readonly<MonitorThresholds> = Object.freeze({
  volumeDrop: 0.5,
  volumeSpike: 2,
  latencyRatio: 1.5,
  errorRateDelta: 0.01,
  alpha: 0.01,
  missingWarn: 0.05,
  missingAlert: 0.2,
  psiWarn: 0.1,
  psiAlert: 0.25,
  qualityDrop: 0.05,
  qualityErrorRatio: 1.25,
});

export interface MonitorContext {
  runId: string;
  runAt: Date;
  /** Current window, [start, end). */
  window: TimeWindow;
  baseline: Baseline;
  /** Only this model (else every model with traffic). */
  model?: string;
  /** Only this version (else every version of the model). */
  version?: string;
  thresholds: MonitorThresholds;
  /** Below this many values on a side, a metric reports insufficient_data. */
  minCount: number;
  /** Cancels the run's queries (the scheduler's time limit). */
  signal?: AbortSignal;
}

export type Monitor = (store: Store, ctx: MonitorContext) => Promise<ScoreRow[]>;

const WEEK_MS = 7 * 86_400_000;

/** The time range (and, for a version baseline, the version) the baseline side reads. */
export interface BaselineSide {
  start: Date;
  end: Date;
  /** Set for a version baseline: the champion's version. */
  version: string | null;
}

export function baselineSide(ctx: Pick<MonitorContext, 'window' | 'baseline'>): BaselineSide {
  const { window: w, baseline: b } = ctx;
  const len = w.end.getTime() - w.start.getTime();
  switch (b.kind) {
    case 'range':
      return { start: b.start, end: b.end, version: null };
    case 'previous':
      return { start: new Date(w.start.getTime() - len), end: w.start, version: null };
    case 'same_hour_last_week':
      return { start: new Date(w.start.getTime() - WEEK_MS), end: new Date(w.end.getTime() - WEEK_MS), version: null };
    case 'version':
      return { start: w.start, end: w.end, version: b.version };
  }
}

/** The ScoreRow.baseline text: "range:<iso>/<iso>", "previous", "same_hour_last_week", "version:v11". */
export function baselineLabel(b: Baseline): string {
  switch (b.kind) {
    case 'range':
      return `range:${b.start.toISOString()}/${b.end.toISOString()}`;
    case 'version':
      return `version:${b.version}`;
    default:
      return b.kind;
  }
}

export function validateContext(ctx: MonitorContext): void {
  if (!(ctx.window.end.getTime() > ctx.window.start.getTime())) throw new RangeError('the current window is empty (end <= start)');
  const b = baselineSide(ctx);
  if (!(b.end.getTime() > b.start.getTime())) throw new RangeError('the baseline window is empty (end <= start)');
  if (!(Number.isInteger(ctx.minCount) && ctx.minCount >= 1)) throw new RangeError(`minCount must be a positive integer (got ${ctx.minCount})`);
  if (ctx.baseline.kind === 'version' && ctx.version === ctx.baseline.version) throw new RangeError(`version ${ctx.version} cannot be its own baseline`);
}

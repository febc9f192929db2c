// The input contract between the detectors and the alert engine: after every
// detector run the scheduler hands the engine the rows that run wrote.

import type { ScoreRow as DetectorScoreRow } from '../src/core/score.ts';

export type { ScoreStatus } from '../src/core/score.ts';

/**
 * The part of a detector's ScoreRow the engine reads (detectors/score.ts is
 * the one definition; windows, counts and details stay with the detectors).
 */
export type ScoreRow = Pick<
  DetectorScoreRow,
  'run_id' | 'run_at' | 'detector' | 'model' | 'model_version' | 'segment' | 'feature' | 'metric' | 'value' | 'p_value' | 'threshold' | 'status' | 'tags'
>;

export interface ScoreRun {
  run_id: string;
  /** ISO timestamp of the run. */
  run_at: string;
  /**
   * The window the run scored (ISO), when known. With it, a second run over
   * a window (late data re-scored) replaces the first one's judgement rather
   * than counting as another run, and a run over a window older than the one
   * an alert last judged (a backfill) does not move that alert.
   */
  window_start?: string | undefined;
  window_end?: string | undefined;
  scores: ReadonlyArray<ScoreRow>;
}

/** Statuses that judge health; any other (insufficient_data, no_data, no_labels, error) neither advances nor resets an alert. */
const JUDGING: ReadonlySet<string> = new Set(['ok', 'warn', 'alert']);

export function isSilentStatus(status: string): boolean {
  return !JUDGING.has(status);
}

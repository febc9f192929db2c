// What the scheduler runs: a detector job looks at one time window and
// returns scores. Jobs know nothing of cron, overlap, timeouts or storage.
import type { ScoreRow, TimeWindow } from '../core/score.ts';

/** late: a window scored again because predictions arrived after it was scored. */
export type RunTrigger = 'schedule' | 'catchup' | 'once' | 'backfill' | 'late';

export interface RunContext {
  runId: string;
  runAt: Date;
  window: TimeWindow;
  trigger: RunTrigger;
  /** Aborted at the job's time limit or at shutdown. */
  signal: AbortSignal;
  /** Seconds left before the time limit, for the engine's max_execution_time. */
  secondsLeft(): number;
}

export interface DetectorJob {
  readonly name: string;
  /** node-cron expression saying when to look for due windows. */
  readonly schedule: string;
  /** Windows tile time: [k*windowMs, (k+1)*windowMs). */
  readonly windowMs: number;
  /** How long after a window ends before it is evaluated (late events). */
  readonly delayMs: number;
  /** Time limit of one run. */
  readonly timeoutMs: number;
  run(ctx: RunContext): Promise<ScoreRow[]>;
}

export interface RunSummary {
  run_id: string;
  detector: string;
  window_start: string;
  window_end: string;
  trigger: RunTrigger;
  status: 'ok' | 'failed' | 'timeout';
  scores: number;
  /** Scores whose status is warn or alert. */
  findings: number;
  error: string;
  duration_ms: number;
}

// The one contract every detector implements (drift, operational, quality,
// shadow, and whatever comes next). Scheduling, the CLI, the API, metrics and
// alert rules work on the score rows a detector returns and never name a
// kind; detectors/registry.ts lists every detector once.
import { z } from 'zod';
import type { Logger } from './log/logger.ts';
import type { ScoreRow, TimeWindow } from './score.ts';
import type { Store } from './store/store.ts';
import { durationSchema } from './util/duration.ts';

/** What one run of one job is given besides the store and its config. */
export interface DetectorContext {
  runId: string;
  runAt: Date;
  /** The current window, [start, end). */
  window: TimeWindow;
  /** Aborted at the job's time limit or at shutdown; pass it to every query. */
  signal: AbortSignal;
  /** `detectors.min_samples`: the default below which a metric is not judged. */
  minSamples: number;
  logger: Logger;
}

/**
 * A detector kind. `configSchema` validates one job of this kind in
 * `detectors.jobs` (the scheduling fields of jobFields plus its own, and
 * `kind` as a literal); `run` turns one window into score rows.
 */
export interface Detector<S extends JobSchema = JobSchema> {
  readonly kind: z.output<S>['kind'];
  /** One line for `--help`, docs and errors. */
  readonly summary: string;
  readonly configSchema: S;
  run(store: Store, config: z.output<S>, ctx: DetectorContext): Promise<ScoreRow[]>;
}

/** The shape of a job schema: a strict object whose `kind` is a string literal. */
export type JobSchema = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$strict>;

/** Fields every job has, whatever its kind: who it is and when it runs. */
export const jobFields = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .describe('Job name (detector_runs.detector; drift jobs also write it to drift_scores.detector).'),
  schedule: z.string().min(1).default('*/5 * * * *').describe('node-cron expression: when to look for due windows.'),
  window: durationSchema('1h').describe('Length of the current window; windows tile time.'),
  delay: durationSchema('1m').describe('Wait this long after a window ends before evaluating it (late events).'),
  timeout: durationSchema('5m').describe('Time limit of one run.'),
} as const;

export interface JobConfigBase {
  kind: string;
  name: string;
  schedule: string;
  window: string;
  delay: string;
  timeout: string;
}

/** Typed helper: keeps a detector's config type tied to its schema. */
export function defineDetector<S extends JobSchema>(d: Detector<S>): Detector<S> {
  return d;
}

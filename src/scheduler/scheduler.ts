// Runs detector jobs: on each cron tick, every complete window not yet done
// (catch-up after downtime included; on a first start every recent window
// that holds predictions), oldest first, after re-scoring the recent windows
// that received predictions since they were scored (late data, within
// detectors.max_lateness). Runs of one job never overlap, each has a time
// limit, and every outcome is recorded in detector_runs; scores go to
// drift_scores (a re-score supersedes, see sql/050_current_scores.sql) and
// then to the listeners (Prometheus gauges, the alert engine). The runner
// never rejects.
import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ScoreRow, TimeWindow } from '../core/score.ts';
import { describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import type { DetectorJob, RunSummary, RunTrigger } from './job.ts';
import type { Lease } from './lease.ts';
import { lastCompletedWindowEnd, recordRun, scoredWindowsSince, windowsWithData, windowsWithLateData, writeScores } from './run-store.ts';
import { dueWindows, windowEndingAt, windowIndex, windowsBetween, latestWindowEnd } from './windows.ts';

/** What listeners hear after each successful run: its scores and the window they are about. */
export interface ScoredRun {
  run_id: string;
  run_at: string;
  detector: string;
  window_start: string;
  window_end: string;
  trigger: RunTrigger;
  scores: ScoreRow[];
}

export type ScoreListener = (run: ScoredRun) => Promise<void>;

export interface SchedulerOptions {
  store: () => Store;
  jobs: readonly DetectorJob[];
  logger: Logger;
  registry: Registry;
  lease: Lease;
  /** At most this many missed windows are caught up per job and tick (and scored on a first start). */
  maxCatchup: number;
  /** Windows that ended at most this long ago are scored again when predictions arrive after their scoring; 0 turns that off. */
  maxLatenessMs?: number;
  now?: () => number;
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #busy = false;
  get busy(): boolean {
    return this.#busy;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    this.#busy = true;
    try {
      return await fn();
    } finally {
      this.#busy = false;
      release();
    }
  }
}

export class Scheduler implements Component {
  readonly name = 'scheduler';
  readonly #opts: SchedulerOptions;
  readonly #listeners: ScoreListener[] = [];
  readonly #locks = new Map<string, Mutex>();
  readonly #tasks: ScheduledTask[] = [];
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #stopAbort = new AbortController();
  #started = false;
  readonly #runs: Counter<'detector' | 'status'>;
  readonly #skipped: Counter<'detector' | 'reason'>;
  readonly #duration: Histogram<'detector'>;
  readonly #lastSuccess: Gauge<'detector'>;

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    for (const j of opts.jobs) this.#locks.set(j.name, new Mutex());
    const registers = [opts.registry];
    this.#runs = new Counter({ name: 'driftwatch_detector_runs_total', help: 'Detector runs by outcome (ok, failed, timeout).', labelNames: ['detector', 'status'], registers });
    this.#skipped = new Counter({ name: 'driftwatch_detector_ticks_skipped_total', help: 'Scheduled ticks skipped (previous run still going, or another instance leads).', labelNames: ['detector', 'reason'], registers });
    this.#duration = new Histogram({
      name: 'driftwatch_detector_run_duration_seconds',
      help: 'Wall time of one detector run over one window.',
      labelNames: ['detector'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#lastSuccess = new Gauge({ name: 'driftwatch_detector_last_success_timestamp_seconds', help: 'When each detector last finished a run successfully.', labelNames: ['detector'], registers });
  }

  get jobs(): readonly DetectorJob[] {
    return this.#opts.jobs;
  }

  onScores(listener: ScoreListener): void {
    this.#listeners.push(listener);
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  async start(): Promise<void> {
    for (const job of this.#opts.jobs) {
      const task = cron.schedule(job.schedule, () => this.#track(this.tick(job, 'schedule')), { name: `driftwatch:${job.name}`, noOverlap: false });
      this.#tasks.push(task);
      this.#opts.logger.info('detector scheduled', { detector: job.name, schedule: job.schedule, window_ms: job.windowMs, next_run: task.getNextRun()?.toISOString() });
    }
    this.#started = true;
    // Windows missed while the daemon was down are due right away.
    for (const job of this.#opts.jobs) this.#track(this.tick(job, 'catchup'));
  }

  #track(p: Promise<unknown>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  /** One scheduled tick: run every due window unless a run is still going. Never rejects. */
  async tick(job: DetectorJob, trigger: 'schedule' | 'catchup'): Promise<RunSummary[]> {
    const lock = this.#locks.get(job.name)!;
    if (lock.busy) {
      this.#skipped.inc({ detector: job.name, reason: 'overlap' });
      this.#opts.logger.warn('previous run still going, tick skipped', { detector: job.name });
      return [];
    }
    try {
      if (!(await this.#opts.lease.acquire(job.name, Math.max(job.timeoutMs * 2, 60_000)))) {
        this.#skipped.inc({ detector: job.name, reason: 'not_leader' });
        return [];
      }
      return await lock.run(async () => {
        const store = this.#opts.store();
        const last = await lastCompletedWindowEnd(store, job.name);
        const late = last === null ? [] : await this.#lateWindows(job);
        const due = dueWindows(last, this.#now(), job.windowMs, job.delayMs, this.#opts.maxCatchup);
        if (due.skipped > 0) this.#opts.logger.warn('catch-up limited, oldest windows skipped', { detector: job.name, skipped: due.skipped, max_catchup: this.#opts.maxCatchup });
        let windows = due.windows;
        if (due.firstStart && windows.length > 1) {
          // First start: the recent windows that hold predictions, and the newest whatever it holds.
          const first = windows[0]!;
          const newest = windows[windows.length - 1]!;
          const withData = await windowsWithData(store, first.start.getTime(), newest.end.getTime(), job.windowMs);
          windows = windows.filter((w) => w === newest || withData.has(windowIndex(w.start.getTime(), job.windowMs)));
          this.#opts.logger.info('first start: scoring the recent windows that hold predictions', { detector: job.name, windows: windows.length, max_catchup: this.#opts.maxCatchup });
        }
        const out: RunSummary[] = [];
        // Late windows are older than every due one: oldest first overall.
        for (const w of late) {
          if (this.#stopAbort.signal.aborted) return out;
          this.#opts.logger.info('predictions arrived after the window was scored; scoring it again', { detector: job.name, window_end: w.end.toISOString() });
          out.push(await this.#runWindow(job, w, 'late'));
        }
        for (const w of windows) {
          if (this.#stopAbort.signal.aborted) break;
          const isLatest = w.end.getTime() === latestWindowEnd(this.#now(), job.windowMs, job.delayMs);
          out.push(await this.#runWindow(job, w, trigger === 'catchup' || !isLatest ? 'catchup' : 'schedule'));
        }
        return out;
      });
    } catch (e) {
      this.#opts.logger.error('scheduler tick failed', { detector: job.name, error: describeError(e) });
      return [];
    }
  }

  /** Scored windows that ended within max_lateness and got predictions after their scoring (at most maxCatchup, the newest). */
  async #lateWindows(job: DetectorJob): Promise<TimeWindow[]> {
    const lateness = this.#opts.maxLatenessMs ?? 0;
    if (lateness <= 0) return [];
    const store = this.#opts.store();
    const scored = await scoredWindowsSince(store, job.name, job.windowMs, this.#now() - lateness);
    const late = await windowsWithLateData(store, scored, job.windowMs);
    return late.slice(-Math.max(1, this.#opts.maxCatchup)).map((w) => windowEndingAt(w.end, job.windowMs));
  }

  /** `detect --once`: the newest complete window of each (or one) job, now. */
  async runOnce(opts: { detector?: string; windowEnd?: Date } = {}): Promise<RunSummary[]> {
    const out: RunSummary[] = [];
    for (const job of this.#select(opts.detector)) {
      const end = opts.windowEnd ? opts.windowEnd.getTime() : latestWindowEnd(this.#now(), job.windowMs, job.delayMs);
      out.push(await this.#locks.get(job.name)!.run(() => this.#runWindow(job, windowEndingAt(end, job.windowMs), 'once')));
    }
    return out;
  }

  /** `backfill --from --to --every`: every window in the range, oldest first. */
  async backfill(opts: { from: Date; to: Date; everyMs?: number; detector?: string }): Promise<RunSummary[]> {
    const out: RunSummary[] = [];
    for (const job of this.#select(opts.detector)) {
      for (const w of windowsBetween(opts.from.getTime(), opts.to.getTime(), opts.everyMs ?? job.windowMs)) {
        if (this.#stopAbort.signal.aborted) return out;
        out.push(await this.#locks.get(job.name)!.run(() => this.#runWindow(job, w, 'backfill')));
      }
    }
    return out;
  }

  #select(name?: string): DetectorJob[] {
    if (name === undefined) return [...this.#opts.jobs];
    const job = this.#opts.jobs.find((j) => j.name === name);
    if (!job) throw new RangeError(`unknown detector "${name}"; configured: ${this.#opts.jobs.map((j) => j.name).join(', ') || '(none)'}`);
    return [job];
  }

  async #runWindow(job: DetectorJob, window: TimeWindow, trigger: RunTrigger): Promise<RunSummary> {
    const runId = randomUUID();
    const startedAt = new Date();
    const deadline = startedAt.getTime() + job.timeoutMs;
    const abort = new AbortController();
    const onStop = (): void => abort.abort(new Error('shutdown'));
    this.#stopAbort.signal.addEventListener('abort', onStop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const log = this.#opts.logger.child({ detector: job.name, run_id: runId });
    const base = { run_id: runId, detector: job.name, window_start: window.start.toISOString(), window_end: window.end.toISOString(), trigger };
    let summary: RunSummary;
    let scores: ScoreRow[] = [];
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort(new Error('time limit'));
          reject(new RunTimeout(job.timeoutMs));
        }, job.timeoutMs);
        timer.unref();
      });
      const work = job.run({ runId, runAt: startedAt, window, trigger, signal: abort.signal, secondsLeft: () => Math.max(1, Math.ceil((deadline - Date.now()) / 1000)) });
      // A timed-out run's promise may still settle later; nothing awaits it.
      work.catch(() => undefined);
      scores = await Promise.race([work, timedOut]);
      const findings = scores.filter((s) => s.status === 'warn' || s.status === 'alert').length;
      summary = { ...base, status: 'ok', scores: scores.length, findings, error: '', duration_ms: Date.now() - startedAt.getTime() };
    } catch (e) {
      const status = e instanceof RunTimeout ? 'timeout' : 'failed';
      summary = { ...base, status, scores: 0, findings: 0, error: describeError(e), duration_ms: Date.now() - startedAt.getTime() };
    } finally {
      clearTimeout(timer);
      this.#stopAbort.signal.removeEventListener('abort', onStop);
    }
    const store = this.#opts.store();
    try {
      if (summary.status === 'ok') await writeScores(store, scores);
      await recordRun(store, summary, startedAt);
    } catch (e) {
      summary = { ...summary, status: 'failed', error: `recording the run failed: ${describeError(e)}` };
    }
    this.#runs.inc({ detector: job.name, status: summary.status });
    this.#duration.observe({ detector: job.name }, summary.duration_ms / 1000);
    if (summary.status === 'ok') {
      this.#lastSuccess.set({ detector: job.name }, Date.now() / 1000);
      log.info('detector run finished', { window_end: summary.window_end, trigger, scores: summary.scores, findings: summary.findings, ms: summary.duration_ms });
      for (const listener of this.#listeners) {
        try {
          await listener({ run_id: runId, run_at: startedAt.toISOString(), detector: job.name, window_start: base.window_start, window_end: base.window_end, trigger, scores });
        } catch (e) {
          log.error('score listener failed', { error: describeError(e) });
        }
      }
    } else {
      log.error('detector run did not finish', { window_end: summary.window_end, trigger, status: summary.status, error: summary.error });
    }
    return summary;
  }

  async stop(deadline: AbortSignal): Promise<void> {
    for (const t of this.#tasks) await t.destroy();
    this.#tasks.length = 0;
    this.#started = false;
    // Let the running windows finish until the deadline, then abort them.
    const onDeadline = (): void => this.#stopAbort.abort(new Error('shutdown deadline'));
    deadline.addEventListener('abort', onDeadline, { once: true });
    await Promise.allSettled([...this.#inflight]);
    deadline.removeEventListener('abort', onDeadline);
  }

  readiness(): Readiness {
    return this.#started ? { ready: true, reason: `${this.#opts.jobs.length} detector(s) scheduled` } : { ready: false, reason: 'scheduler not running' };
  }
}

class RunTimeout extends Error {
  constructor(ms: number) {
    super(`run exceeded its time limit of ${ms} ms`);
    this.name = 'RunTimeout';
  }
}

// Window arithmetic. Windows tile time from the epoch, so the same window
// has the same bounds whichever instance, trigger or restart computes it.
import type { TimeWindow } from '../core/score.ts';

export function windowEndingAt(endMs: number, windowMs: number): TimeWindow {
  return { start: new Date(endMs - windowMs), end: new Date(endMs) };
}

/** The end of the newest complete window at `nowMs`, given the lateness delay. */
export function latestWindowEnd(nowMs: number, windowMs: number, delayMs: number): number {
  return Math.floor((nowMs - delayMs) / windowMs) * windowMs;
}

export interface DueWindows {
  windows: TimeWindow[];
  /** Windows older than the catch-up limit that were left out. */
  skipped: number;
  /**
   * No window was ever done: `windows` are the candidates of a first start
   * (the last maxCatchup windows), of which the scheduler keeps those that
   * hold predictions, and the newest whatever it holds.
   */
  firstStart: boolean;
}

/**
 * Windows to evaluate now: every complete window after the last one done,
 * oldest first, at most maxCatchup of them (the newest). With no history the
 * last maxCatchup windows are candidates (firstStart): data logged or
 * backfilled into Kafka before the first start gets scored too.
 */
export function dueWindows(lastEndMs: number | null, nowMs: number, windowMs: number, delayMs: number, maxCatchup: number): DueWindows {
  const latest = latestWindowEnd(nowMs, windowMs, delayMs);
  const cap = Math.max(1, maxCatchup);
  const ends: number[] = [];
  if (lastEndMs === null) {
    for (let end = latest, i = 0; i < cap; end -= windowMs, i++) ends.push(end);
    return { windows: ends.reverse().map((e) => windowEndingAt(e, windowMs)), skipped: 0, firstStart: true };
  }
  for (let end = latest; end > lastEndMs; end -= windowMs) ends.push(end);
  const kept = ends.slice(0, cap).reverse();
  return { windows: kept.map((e) => windowEndingAt(e, windowMs)), skipped: ends.length - kept.length, firstStart: false };
}

/** The index of the tiled window holding `ms` (windows tile time from the epoch). */
export function windowIndex(ms: number, windowMs: number): number {
  return Math.floor(ms / windowMs);
}

/** Backfill: windows of length `everyMs` ending in (from, to], oldest first. */
export function windowsBetween(fromMs: number, toMs: number, everyMs: number): TimeWindow[] {
  if (!(everyMs > 0) || toMs <= fromMs) return [];
  const out: TimeWindow[] = [];
  for (let end = fromMs + everyMs; end <= toMs; end += everyMs) out.push(windowEndingAt(end, everyMs));
  return out;
}

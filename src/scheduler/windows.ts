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
}

/**
 * Windows to evaluate now: every complete window after the last one done,
 * oldest first, at most maxCatchup of them (the newest). With no history only
 * the newest window is due: a first start does not backfill the past.
 */
export function dueWindows(lastEndMs: number | null, nowMs: number, windowMs: number, delayMs: number, maxCatchup: number): DueWindows {
  const latest = latestWindowEnd(nowMs, windowMs, delayMs);
  if (lastEndMs === null) return { windows: [windowEndingAt(latest, windowMs)], skipped: 0 };
  const ends: number[] = [];
  for (let end = latest; end > lastEndMs; end -= windowMs) ends.push(end);
  const kept = ends.slice(0, Math.max(1, maxCatchup)).reverse();
  return { windows: kept.map((e) => windowEndingAt(e, windowMs)), skipped: ends.length - kept.length };
}

/** Backfill: windows of length `everyMs` ending in (from, to], oldest first. */
export function windowsBetween(fromMs: number, toMs: number, everyMs: number): TimeWindow[] {
  if (!(everyMs > 0) || toMs <= fromMs) return [];
  const out: TimeWindow[] = [];
  for (let end = fromMs + everyMs; end <= toMs; end += everyMs) out.push(windowEndingAt(end, everyMs));
  return out;
}

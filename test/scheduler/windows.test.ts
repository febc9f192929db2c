import { describe, expect, it } from 'vitest';
import { dueWindows, latestWindowEnd, windowsBetween } from '../../src/scheduler/windows.ts';

const H = 3_600_000;
const T = Date.parse('2026-11-23T10:20:00Z');

describe('windows', () => {
  it('the newest complete window respects the lateness delay', () => {
    expect(new Date(latestWindowEnd(T, H, 0)).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(new Date(latestWindowEnd(T, H, 30 * 60_000)).toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('with no history the last max_catchup windows are first-start candidates, oldest first', () => {
    const d = dueWindows(null, T, H, 0, 3);
    expect(d.firstStart).toBe(true);
    expect(d.windows.map((w) => [w.start.toISOString().slice(11, 16), w.end.toISOString().slice(11, 16)])).toEqual([
      ['07:00', '08:00'],
      ['08:00', '09:00'],
      ['09:00', '10:00'],
    ]);
    expect(dueWindows(Date.parse('2026-11-23T06:00:00Z'), T, H, 0, 3).firstStart).toBe(false);
  });

  it('after downtime every missed window is due, oldest first, capped', () => {
    const last = Date.parse('2026-11-23T06:00:00Z');
    expect(dueWindows(last, T, H, 0, 24).windows.map((w) => w.end.toISOString().slice(11, 16))).toEqual(['07:00', '08:00', '09:00', '10:00']);
    const capped = dueWindows(last, T, H, 0, 2);
    expect(capped.windows.map((w) => w.end.toISOString().slice(11, 16))).toEqual(['09:00', '10:00']);
    expect(capped.skipped).toBe(2);
    expect(dueWindows(Date.parse('2026-11-23T10:00:00Z'), T, H, 0, 24).windows).toEqual([]);
  });

  it('backfill tiles the range', () => {
    const w = windowsBetween(Date.parse('2026-11-23T00:00:00Z'), Date.parse('2026-11-23T03:30:00Z'), H);
    expect(w.map((x) => x.end.toISOString().slice(11, 16))).toEqual(['01:00', '02:00', '03:00']);
    expect(windowsBetween(5, 1, H)).toEqual([]);
  });
});

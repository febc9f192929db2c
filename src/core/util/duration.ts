// Durations in config, query strings and CLI flags are strings like 500ms,
// 30s, 5m, 1h, 7d. One pattern, one parser and one schema for all of them.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The accepted shape of a duration: an integer and one unit. */
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) throw new RangeError(`invalid duration "${text}" (expected e.g. 500ms, 30s, 5m, 1h, 7d)`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A duration string (validated, not converted: config shows what the user wrote). */
export function durationString() {
  return z.string().regex(DURATION_PATTERN, 'must be a duration like 500ms, 30s, 5m, 1h or 7d');
}

/** A duration string with a default, for config sections. */
export function durationSchema(defaultValue: string) {
  return durationString().default(defaultValue);
}

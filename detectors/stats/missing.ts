// Missing values (docs/statistics.md "How values are read"): in CSV a field
// that, surrounding whitespace removed, is empty or (any case) NA / NaN /
// null / None; JSON null or an absent key; for numeric columns also any
// non-finite number. A JSON string is never a missing token. Shares are over
// all rows of a side, null when the side has none.
import { stripSurroundingWhitespace } from './parse-number.ts';

const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'na', 'nan', 'null', 'none']);

/** The tokens, lower-cased, for callers that test them elsewhere (SQL). */
export const MISSING_TOKEN_LIST: readonly string[] = Object.freeze([...MISSING_TOKENS]);

/** True for a CSV field that is missing before any typing (null/undefined stand for JSON null). */
export function isMissingText(value: string | null | undefined): boolean {
  return value === null || value === undefined || MISSING_TOKENS.has(stripSurroundingWhitespace(value).toLowerCase());
}

/** Share of missing rows; null when the side has no rows at all. */
export function missingShare(missing: number, rows: number): number | null {
  return rows === 0 ? null : missing / rows;
}

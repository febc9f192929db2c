// What counts as a number in a CSV field (docs/statistics.md "How values are
// read"): with surrounding ASCII whitespace removed, a decimal literal with an
// optional sign and exponent (`7`, `+5`, `.5`, `5.`, `1e3`, `007`, ` 7 `), or
// inf/infinity in any case. A literal beyond the double range is a number
// too (+-Infinity), missing in a numeric column as any non-finite number is.
// The SQL path applies the same rule (detectors/compare/sql.ts), so a column
// gets one type either way.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;

/** Whitespace removed around a field before it is read as a number or a missing token: space, tab, LF, CR, VT, FF. */
export function stripSurroundingWhitespace(text: string): string {
  return text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
}

/** The number a text field holds, or null when it is not a number. -0 reads as 0. */
export function parseNumber(text: string): number | null {
  const t = stripSurroundingWhitespace(text);
  if (DECIMAL.test(t)) return Number(t) + 0;
  if (INFINITY.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** Regular expressions (RE2 syntax) of the same rule, for the engine's match(). */
export const NUMBER_PATTERN_DECIMAL = '^[+-]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][+-]?[0-9]+)?$';
export const NUMBER_PATTERN_INFINITY = '^[+-]?(?i:inf|infinity)$';

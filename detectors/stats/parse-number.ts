// What counts as "parses as a number" for text fields: decimal and scientific
// notation with an optional sign, and infinities (numbers, but missing in a
// numeric column because they are not finite). The SQL path applies the same
// rule (detectors/compare/sql.ts), so a column gets one type either way.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;

/** The number a text field holds, or null when it is not a number. */
export function parseNumber(text: string): number | null {
  if (DECIMAL.test(text)) return Number(text);
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** Regular expression source of the same rule, for the engine's match(). */
export const NUMBER_PATTERN = '^[+-]?(?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][+-]?[0-9]+)?$|^[+-]?(?:[iI][nN][fF]|[iI][nN][fF][iI][nN][iI][tT][yY])$';

// SQL fragments shared by the compare queries. Column names from the files
// never reach SQL text: the loaded tables use generated names (v0, f0, ...),
// paths and structures are bound parameters, and floats travel as their IEEE
// bit patterns so no text round trip can move an edge by an ulp.
import { MISSING_TOKEN_LIST } from '../stats/missing.ts';
import { NUMBER_PATTERN_DECIMAL, NUMBER_PATTERN_INFINITY } from '../stats/parse-number.ts';

/**
 * How a loaded column holds its values (docs/statistics.md "How values are read"):
 * - csv: CSV text (Nullable(String), nothing trimmed): missing tokens and
 *   decimal literals are recognised on the text with surrounding whitespace
 *   removed, categories are the exact text;
 * - json: a JSON value (Dynamic): null is missing, a number is a number, a
 *   string is text exactly, true/false are categories;
 * - string: a typed string column (Parquet, Arrow): text exactly, null missing;
 * - number: a typed numeric column: NaN and null missing;
 * - bool: a typed boolean column: the categories true/false;
 * - other: anything else (dates, nested): categories of its text.
 */
export type ColumnKind = 'csv' | 'json' | 'string' | 'number' | 'bool' | 'other';

/** Settings every compare query runs with: correctly rounded float parsing. */
export const QUERY_SETTINGS = { precise_float_parsing: 1 } as const;

const TOKENS = MISSING_TOKEN_LIST.map((t) => `'${t}'`).join(', ');
const MAX_TOKEN = Math.max(...MISSING_TOKEN_LIST.map((t) => t.length));
/** Surrounding whitespace the contract removes before reading a CSV field as a number or a missing token. */
export const CSV_WHITESPACE = ' \\t\\n\\r\\v\\f';
const DECIMAL_RE = `'${NUMBER_PATTERN_DECIMAL.replace(/\\/g, '\\\\')}'`;
const INFINITY_RE = `'${NUMBER_PATTERN_INFINITY.replace(/\\/g, '\\\\')}'`;

export const valueCol = (i: number): string => `v${i}`;
export const floatCol = (i: number): string => `f${i}`;

/** Can the column hold numbers at all. */
export function holdsNumbers(kind: ColumnKind): boolean {
  return kind === 'csv' || kind === 'json' || kind === 'number';
}

/** The CSV field with surrounding whitespace removed. */
const trimmed = (v: string): string => `trim(BOTH '${CSV_WHITESPACE}' FROM assumeNotNull(${v}))`;

/**
 * The stored numeric view of a column, computed once at load: the finite
 * number a value holds (-0 folded into 0), +-inf for a number too large for
 * a double (or written inf), NaN for everything else.
 */
export function floatExpression(kind: ColumnKind, i: number): string {
  const v = valueCol(i);
  if (kind === 'csv') {
    // Fast path: the text as it is parses (the engine accepts exactly the finite decimal literals). Otherwise
    // the whitespace-stripped text is a finite decimal, a decimal beyond the double range, inf, or not a number.
    const t = trimmed(v);
    const slow = `multiIf(${v} IS NULL, nan, isNotNull(toFloat64OrNull(${t})), assumeNotNull(toFloat64OrNull(${t})) + 0., match(${t}, ${DECIMAL_RE}) OR match(${t}, ${INFINITY_RE}), if(startsWith(${t}, '-'), -inf, inf), nan)`;
    return `if(isNotNull(toFloat64OrNull(${v})), assumeNotNull(toFloat64OrNull(${v})) + 0., ${slow})`;
  }
  if (kind === 'json') return `if(dynamicType(${v}) = 'Float64', assumeNotNull(${v}.Float64) + 0., nan)`;
  if (kind === 'number') return `ifNull(toFloat64(${v}), nan) + 0.`;
  // Never a number; the column exists so every loaded column has the same shape.
  return 'nan';
}

/** Missing before typing: null; for CSV also the missing tokens; for numbers NaN. */
export function missingExpr(kind: ColumnKind, i: number): string {
  const v = valueCol(i);
  if (kind === 'csv') return `(${v} IS NULL OR (length(${v}) <= ${MAX_TOKEN + 16} AND lower(${trimmed(v)}) IN (${TOKENS})))`;
  if (kind === 'number') return `(${v} IS NULL OR isNaN(${floatCol(i)}))`;
  return `(${v} IS NULL)`;
}

/** Present but not a number: makes the column categorical. */
export function nonNumericExpr(kind: ColumnKind, i: number): string {
  if (kind === 'number') return '0';
  return `(NOT ${missingExpr(kind, i)} AND isNaN(${floatCol(i)}))`;
}

/** A finite number (a present value of a numeric column). */
export function finiteExpr(kind: ColumnKind, i: number): string {
  return holdsNumbers(kind) ? `isFinite(${floatCol(i)})` : '0';
}

/** The category a present value stands for: CSV and strings their exact text, numbers their shortest text, booleans true/false. */
export function categoryExpr(kind: ColumnKind, i: number): string {
  const v = valueCol(i);
  if (kind === 'csv' || kind === 'string') return `toString(assumeNotNull(${v}))`;
  if (kind === 'number') return `toString(${floatCol(i)})`;
  if (kind === 'bool') return `if(assumeNotNull(${v}), 'true', 'false')`;
  if (kind === 'json')
    return `multiIf(dynamicType(${v}) = 'String', assumeNotNull(${v}.String), dynamicType(${v}) = 'Float64', toString(${floatCol(i)}), dynamicType(${v}) = 'Bool', if(assumeNotNull(${v}.Bool), 'true', 'false'), toString(${v}))`;
  return `toString(assumeNotNull(${v}))`;
}

const bitsBuf = Buffer.alloc(8);

/** The IEEE-754 bits of a double, as the decimal text of an unsigned 64-bit integer. */
export function floatBits(x: number): string {
  bitsBuf.writeDoubleLE(x);
  return bitsBuf.readBigUInt64LE().toString();
}

/** The double whose bits an engine UInt64 (number or string) holds. */
export function floatFromBits(bits: string | number): number {
  bitsBuf.writeBigUInt64LE(BigInt(bits));
  return bitsBuf.readDoubleLE();
}

/** An exact Float64 constant. */
export function floatLiteral(x: number): string {
  return `reinterpretAsFloat64(toUInt64(${floatBits(x)}))`;
}

/** An exact constant Array(Float64) from a bound Array(String) parameter of bit patterns. */
export function floatArrayFromParam(param: string): string {
  return `arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {${param}:Array(String)})`;
}

/** Wrap a Float64 array expression so it comes back as exact bit patterns. */
export function asBits(arrayExpr: string): string {
  return `arrayMap(x -> toString(reinterpretAsUInt64(x)), ${arrayExpr})`;
}

/** Unique generated identifiers for the temporary tables of one comparison. */
export function tablePrefix(): string {
  return `dw_compare_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** JSON numbers from the engine: 64-bit integers arrive as strings. */
export function num(x: unknown): number {
  return typeof x === 'number' ? x : Number(x);
}

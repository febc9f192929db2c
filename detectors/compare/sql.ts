// SQL fragments shared by the compare queries. Column names from the files
// never reach SQL text: the loaded tables use generated names (v0, f0, ...),
// paths and structures are bound parameters, and floats travel as their IEEE
// bit patterns so no text round trip can move an edge by an ulp.
import { MISSING_TOKEN_LIST } from '../stats/missing.ts';

/** How a loaded column holds its values. */
export type ColumnKind = 'text' | 'number' | 'other';

/** Settings every compare query runs with: correctly rounded float parsing. */
export const QUERY_SETTINGS = { precise_float_parsing: 1 } as const;

const TOKENS = MISSING_TOKEN_LIST.map((t) => `'${t}'`).join(', ');
const MAX_TOKEN = Math.max(...MISSING_TOKEN_LIST.map((t) => t.length));

export const valueCol = (i: number): string => `v${i}`;
export const floatCol = (i: number): string => `f${i}`;

/** The stored numeric view of a column, computed once at load. */
export function floatExpression(kind: ColumnKind, i: number): string {
  if (kind === 'text') return `ifNull(toFloat64OrNull(${valueCol(i)}), nan)`;
  if (kind === 'number') return `ifNull(toFloat64(${valueCol(i)}), nan)`;
  // Never a number; the column exists so every loaded column has the same shape.
  return 'nan';
}

/** Missing before typing: null, or one of the missing tokens (text), or NaN (numbers). */
export function missingExpr(kind: ColumnKind, i: number): string {
  const v = valueCol(i);
  if (kind === 'text') return `(${v} IS NULL OR (length(${v}) <= ${MAX_TOKEN} AND lower(${v}) IN (${TOKENS})))`;
  if (kind === 'number') return `(${v} IS NULL OR isNaN(${floatCol(i)}))`;
  return `(${v} IS NULL)`;
}

/** Present but not a number: makes the column categorical. */
export function nonNumericExpr(kind: ColumnKind, i: number): string {
  if (kind === 'text') return `(NOT ${missingExpr(kind, i)} AND isNaN(${floatCol(i)}))`;
  if (kind === 'number') return '0';
  return `(NOT ${missingExpr(kind, i)})`;
}

/** A finite number (a present value of a numeric column). */
export function finiteExpr(kind: ColumnKind, i: number): string {
  return kind === 'other' ? '0' : `isFinite(${floatCol(i)})`;
}

/** The category a value stands for. */
export function categoryExpr(kind: ColumnKind, i: number): string {
  return kind === 'text' ? `assumeNotNull(${valueCol(i)})` : `toString(assumeNotNull(${valueCol(i)}))`;
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

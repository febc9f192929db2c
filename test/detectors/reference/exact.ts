// Exact arithmetic for the reference implementation: every finite double is
// a dyadic rational m * 2^e, so sums, differences and integer multiples of
// doubles are exact as BigInt fractions, and one correctly rounded division
// at the end gives the double nearest the true value (ties to even). Slow on
// purpose: nothing here is clever, so it can be read and trusted.

export interface Rat {
  /** Numerator (any sign). */
  n: bigint;
  /** Denominator (> 0). */
  d: bigint;
}

const view = new DataView(new ArrayBuffer(8));

/** The double x (finite) as an exact fraction with a power-of-two denominator. */
export function ratOfDouble(x: number): Rat {
  if (!Number.isFinite(x)) throw new RangeError(`ratOfDouble(${x})`);
  if (x === 0) return { n: 0n, d: 1n };
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const expField = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  // value = mant * 2^(exp - 1075)
  const mant = expField === 0 ? frac : frac | (1n << 52n);
  const exp = (expField === 0 ? 1 : expField) - 1075;
  const n = neg ? -mant : mant;
  return exp >= 0 ? { n: n << BigInt(exp), d: 1n } : { n, d: 1n << BigInt(-exp) };
}

export const ratInt = (k: number | bigint): Rat => ({ n: BigInt(k), d: 1n });

export function add(a: Rat, b: Rat): Rat {
  if (a.d === b.d) return { n: a.n + b.n, d: a.d };
  // Denominators here are powers of two (doubles) or their products with counts: keep the larger when it is a multiple.
  if (a.d % b.d === 0n) return { n: a.n + b.n * (a.d / b.d), d: a.d };
  if (b.d % a.d === 0n) return { n: a.n * (b.d / a.d) + b.n, d: b.d };
  return { n: a.n * b.d + b.n * a.d, d: a.d * b.d };
}

export function sub(a: Rat, b: Rat): Rat {
  return add(a, { n: -b.n, d: b.d });
}

export function mul(a: Rat, b: Rat): Rat {
  return { n: a.n * b.n, d: a.d * b.d };
}

export function abs(a: Rat): Rat {
  return a.n < 0n ? { n: -a.n, d: a.d } : a;
}

/** Sign of a - b. */
export function cmp(a: Rat, b: Rat): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

function bitLength(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return hex.length * 4 - (Math.clz32(parseInt(hex[0] as string, 16)) - 28);
}

/**
 * The double nearest to n/d (ties to even), or +-Infinity when the magnitude
 * rounds beyond the largest double.
 */
export function toDouble(r: Rat): number {
  let { n, d } = r;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  if (n === 0n) return 0;
  const neg = n < 0n;
  if (neg) n = -n;
  // Choose e so that q = floor(n / (d 2^e)) has 53 bits, but never below the subnormal exponent.
  let e = bitLength(n) - bitLength(d) - 53;
  const scaled = (k: number): { q: bigint; rem: bigint; den: bigint } => {
    const num = k >= 0 ? n : n << BigInt(-k);
    const den = k >= 0 ? d << BigInt(k) : d;
    return { q: num / den, rem: num % den, den };
  };
  let s = scaled(e);
  if (s.q >= 1n << 53n) {
    e += 1;
    s = scaled(e);
  } else if (s.q < 1n << 52n) {
    e -= 1;
    s = scaled(e);
  }
  if (e < -1074) {
    e = -1074;
    s = scaled(e);
  }
  let q = s.q;
  const twice = 2n * s.rem;
  if (twice > s.den || (twice === s.den && (q & 1n) === 1n)) q += 1n;
  if (q === 1n << 53n) {
    q >>= 1n;
    e += 1;
  }
  if (e > 971) return neg ? -Infinity : Infinity;
  const v = Number(q) * 2 ** e;
  return neg ? -v : v;
}

/** The exact value of a decimal literal (no sign handling beyond a leading +/-), or null if it is not one. */
export function ratOfDecimal(text: string): Rat | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return null;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return null;
  const digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  let exp = Number(m[4] ?? '0') - fracPart.length;
  if (digits === 0n) return { n: 0n, d: 1n };
  // Far outside the double range the exact power is pointless (and huge): clamp it, the rounding is the same.
  const mag = (intPart + fracPart).replace(/^0+/, '').length + exp;
  if (mag > 400) exp = 400;
  if (mag < -400) return { n: 0n, d: 1n };
  const sign = m[1] === '-' ? -1n : 1n;
  return exp >= 0 ? { n: sign * digits * 10n ** BigInt(exp), d: 1n } : { n: sign * digits, d: 10n ** BigInt(-exp) };
}

// Categories in a stable order: by Unicode code point, as Python's sorted()
// and ClickHouse's ORDER BY on UTF-8 strings order them (JavaScript's default
// sort compares UTF-16 units and differs beyond the BMP).

export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}

export function sortCategories(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

/** Categories seen in the current sample and never in the reference, sorted. */
export function newCategories(refCategories: Iterable<string>, curCategories: Iterable<string>): string[] {
  const ref = new Set(refCategories);
  return sortCategories([...curCategories].filter((c) => !ref.has(c)));
}

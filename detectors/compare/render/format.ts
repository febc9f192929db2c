// Number formatting shared by the human-readable renderers.

/** A compact number: 4 significant digits, exponent form for very small or large magnitudes. */
export function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(digits - 2);
  return String(Number(x.toPrecision(digits)));
}

export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return `${(x * 100).toFixed(1)}%`;
}

/** The test column: KS for numeric features, chi-square for categorical ones. */
export function testSummary(f: { type: string; ks?: { d: number; p_value: number } | null; chi2?: { statistic: number; p_value: number; dof: number } | null }): string {
  if (f.type === 'numeric') return f.ks ? `KS D=${fmt(f.ks.d)} p=${fmt(f.ks.p_value, 3)}` : '-';
  return f.chi2 ? `chi2=${fmt(f.chi2.statistic)} p=${fmt(f.chi2.p_value, 3)} dof=${f.chi2.dof}` : '-';
}

/** Labels of the numeric bins: (-inf, e0], (e0, e1], ..., (e_last, inf). */
export function binLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all'];
  const labels = [`<= ${fmt(edges[0])}`];
  for (let i = 1; i < edges.length; i++) labels.push(`${fmt(edges[i - 1])}..${fmt(edges[i])}`);
  labels.push(`> ${fmt(edges[edges.length - 1])}`);
  return labels;
}

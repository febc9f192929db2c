// `--format html`: one self-contained file (inline CSS, inline SVG, no
// scripts or external assets) with a summary table and, per feature, a
// reference-vs-current histogram of the same bins PSI and JS are computed on.
import type { CompareReport, FeatureReport } from '../../report/types.ts';
import { binLabels, fmt, pct, testSummary } from './format.ts';

const REF_COLOR = '#4c78a8';
const CUR_COLOR = '#f58518';
/** Categories drawn per feature; the rest are summed into one bar. */
const MAX_BARS = 40;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

interface Bars {
  labels: string[];
  ref: number[];
  cur: number[];
}

function barsOf(f: FeatureReport): Bars {
  if (f.type === 'numeric') return { labels: binLabels(f.bin_edges ?? []), ref: shares(f.counts.ref), cur: shares(f.counts.cur) };
  const ref = shares(f.counts.ref);
  const cur = shares(f.counts.cur);
  const order = f.categories.map((_, i) => i).sort((a, b) => Math.max(ref[b] as number, cur[b] as number) - Math.max(ref[a] as number, cur[a] as number));
  const shown = order.slice(0, MAX_BARS);
  const rest = order.slice(MAX_BARS);
  const bars: Bars = { labels: shown.map((i) => f.categories[i] as string), ref: shown.map((i) => ref[i] as number), cur: shown.map((i) => cur[i] as number) };
  if (rest.length) {
    bars.labels.push(`(${rest.length} more)`);
    bars.ref.push(rest.reduce((s, i) => s + (ref[i] as number), 0));
    bars.cur.push(rest.reduce((s, i) => s + (cur[i] as number), 0));
  }
  return bars;
}

/** A grouped bar chart of reference vs current shares as an inline SVG. */
export function histogramSvg(f: FeatureReport): string {
  const b = barsOf(f);
  const n = b.labels.length;
  if (n === 0 || (f.counts.ref.length === 0 && f.counts.cur.length === 0)) return '<p class="muted">no values to plot</p>';
  const slot = Math.max(28, Math.min(64, Math.floor(720 / n)));
  const left = 44;
  const top = 12;
  const plotH = 160;
  const width = left + slot * n + 12;
  const height = top + plotH + 70;
  const max = Math.max(...b.ref, ...b.cur, 1e-12);
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`histogram of ${f.name}`)}">`);
  for (const t of [0, 0.5, 1]) {
    const yy = y(max * t);
    parts.push(`<line x1="${left}" x2="${width - 8}" y1="${yy}" y2="${yy}" stroke="#ddd"/><text x="${left - 4}" y="${yy + 4}" text-anchor="end" class="tick">${pct(max * t)}</text>`);
  }
  const barW = Math.max(4, (slot - 8) / 2);
  b.labels.forEach((label, i) => {
    const x0 = left + i * slot + 4;
    const r = b.ref[i] as number;
    const c = b.cur[i] as number;
    parts.push(`<rect x="${x0}" y="${y(r)}" width="${barW}" height="${top + plotH - y(r)}" fill="${REF_COLOR}"><title>${escapeHtml(`${label}: reference ${pct(r)}`)}</title></rect>`);
    parts.push(`<rect x="${x0 + barW}" y="${y(c)}" width="${barW}" height="${top + plotH - y(c)}" fill="${CUR_COLOR}"><title>${escapeHtml(`${label}: current ${pct(c)}`)}</title></rect>`);
    const short = label.length > 14 ? label.slice(0, 13) + '…' : label;
    const lx = x0 + barW;
    const ly = top + plotH + 10;
    parts.push(`<text x="${lx}" y="${ly}" transform="rotate(40 ${lx} ${ly})" class="label">${escapeHtml(short)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin:28px 0 6px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #e5e5e5;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.sev-none{background:#e6f4ea;color:#1e6b34}.sev-warn{background:#fff4d6;color:#8a5a00}.sev-alert{background:#fde2e1;color:#a11d16}
.muted{color:#777}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}
svg .tick{font-size:10px;fill:#666}svg .label{font-size:10px;fill:#333}
.feature{border-top:1px solid #eee;padding-top:4px}
`;

function sev(s: string): string {
  return `<span class="sev sev-${s}">${s === 'none' ? 'ok' : s}</span>`;
}

export function renderHtml(r: CompareReport): string {
  const h: string[] = [];
  h.push('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">');
  h.push(`<title>driftwatch compare: ${r.drifted.length ? `${r.drifted.length} drifted` : 'no drift'}</title><style>${CSS}</style></head><body>`);
  h.push('<h1>driftwatch compare</h1>');
  h.push(`<p>Reference <code>${escapeHtml(r.reference.path ?? '-')}</code> (${r.reference.rows} rows) vs current <code>${escapeHtml(r.current.path ?? '-')}</code> (${r.current.rows} rows).</p>`);
  h.push(
    `<p>${r.drifted.length ? `<strong>Drift in ${r.drifted.length} of ${r.features.length} features:</strong> ${r.drifted.map(escapeHtml).join(', ')}` : `No drift in ${r.features.length} features.`} ` +
      `<span class="muted">Thresholds: PSI warn ${r.thresholds.psiWarn}, alert ${r.thresholds.psiAlert}; missing-share change warn ${r.thresholds.missingWarn}, alert ${r.thresholds.missingAlert}.</span></p>`,
  );
  if (r.schema.missing_in_current.length || r.schema.new_in_current.length) {
    h.push(
      `<p>Schema: missing in current: ${r.schema.missing_in_current.map(escapeHtml).join(', ') || 'none'}; new in current: ${r.schema.new_in_current.map(escapeHtml).join(', ') || 'none'}.</p>`,
    );
  }
  h.push('<table><thead><tr><th>feature</th><th>type</th><th>n ref</th><th>n cur</th><th>missing ref → cur</th><th>PSI</th><th>JS</th><th>test</th><th>Wasserstein</th><th>severity</th></tr></thead><tbody>');
  for (const f of r.features) {
    h.push(
      `<tr><td><a href="#f-${encodeURIComponent(f.name)}">${escapeHtml(f.name)}</a></td><td>${f.type}</td><td class="num">${f.n_ref}</td><td class="num">${f.n_cur}</td>` +
        `<td class="num">${pct(f.missing_ref)} → ${pct(f.missing_cur)}</td><td class="num">${fmt(f.psi)}</td><td class="num">${fmt(f.js)}</td><td>${escapeHtml(testSummary(f))}</td>` +
        `<td class="num">${f.type === 'numeric' ? fmt(f.wasserstein) : ''}</td><td>${sev(f.severity)}</td></tr>`,
    );
  }
  h.push('</tbody></table>');
  h.push(`<p class="legend">Histograms: share of non-missing values per bin <span style="background:${REF_COLOR}"></span>reference <span style="background:${CUR_COLOR}"></span>current</p>`);
  for (const f of r.features) {
    h.push(`<div class="feature" id="f-${encodeURIComponent(f.name)}"><h2>${escapeHtml(f.name)} ${sev(f.severity)}</h2>`);
    const facts = [`${f.type}`, `PSI ${fmt(f.psi)}`, `JS ${fmt(f.js)}`, testSummary(f), `missing ${pct(f.missing_ref)} → ${pct(f.missing_cur)}`];
    if (f.type === 'numeric') facts.push(`Wasserstein ${fmt(f.wasserstein)}`);
    if (f.type === 'categorical' && f.new_categories.length) facts.push(`new categories: ${f.new_categories.join(', ')}`);
    h.push(`<p class="muted">${facts.map(escapeHtml).join(' · ')}</p>`);
    h.push(histogramSvg(f));
    h.push('</div>');
  }
  h.push('</body></html>\n');
  return h.join('\n');
}

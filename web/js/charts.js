// Hand-rolled SVG charts: a line chart (one line per version) and a paired
// histogram (reference vs current). Colours come from CSS classes, so light
// and dark mode need nothing here.
import { h, s, fmtNum, fmtTime } from './dom.js';

const W = 360;
const H = 130;
const M = { l: 42, r: 8, t: 6, b: 18 };

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * series: [{ name, cls, points: [[ms, y|null], ...] }], from/to in ms,
 * stepMs: the bucket length (a longer gap breaks the line).
 */
export function lineChart({ title, series, from, to, stepMs, yFmt = fmtNum }) {
  const ys = series.flatMap((x) => x.points.map((p) => p[1]).filter((y) => y !== null && Number.isFinite(y)));
  const yMax = niceMax(Math.max(0, ...ys));
  const x = (t) => M.l + ((t - from) / Math.max(1, to - from)) * (W - M.l - M.r);
  const y = (v) => H - M.b - (v / yMax) * (H - M.t - M.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.append(s('line', { class: i === 0 ? 'axis' : 'grid', x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: M.l - 4, y: y(v) + 3, 'text-anchor': 'end' }, yFmt(v)));
  }
  for (let i = 0; i <= 3; i++) {
    const t = from + ((to - from) * i) / 3;
    svg.append(s('text', { x: x(t), y: H - 4, 'text-anchor': i === 0 ? 'start' : i === 3 ? 'end' : 'middle' }, fmtTime(new Date(t).toISOString()).slice(0, 5)));
  }
  for (const ser of series) {
    let d = '';
    let prev = null;
    for (const [t, v] of ser.points) {
      if (v === null || !Number.isFinite(v)) {
        prev = null;
        continue;
      }
      d += `${prev === null || t - prev > stepMs * 1.5 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      prev = t;
    }
    if (d) svg.append(s('path', { class: `line ${ser.cls}`, d }, s('title', {}, ser.name)));
    if (ser.points.length === 1 && ser.points[0][1] !== null) svg.append(s('circle', { class: ser.cls, cx: x(ser.points[0][0]), cy: y(ser.points[0][1]), r: 2.5 }));
  }
  // Hover: the values of every line at the nearest bucket.
  const tip = h('div', { class: 'tooltip' }, '\u00a0');
  const cursor = s('line', { class: 'hover', y1: M.t, y2: H - M.b, x1: -10, x2: -10 });
  svg.append(cursor);
  const overlay = s('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: 'transparent' });
  overlay.addEventListener('mousemove', (ev) => {
    const r = svg.getBoundingClientRect();
    const t = from + ((((ev.clientX - r.left) / r.width) * W - M.l) / (W - M.l - M.r)) * (to - from);
    const bucket = Math.floor(t / stepMs) * stepMs;
    cursor.setAttribute('x1', x(bucket));
    cursor.setAttribute('x2', x(bucket));
    const parts = series.map((ser) => {
      const p = ser.points.find((q) => q[0] === bucket);
      return `${ser.name} ${p && p[1] !== null ? yFmt(p[1]) : '–'}`;
    });
    tip.textContent = `${fmtTime(new Date(bucket).toISOString())} · ${parts.join(' · ')}`;
  });
  overlay.addEventListener('mouseleave', () => {
    cursor.setAttribute('x1', -10);
    cursor.setAttribute('x2', -10);
    tip.textContent = '\u00a0';
  });
  svg.append(overlay);
  return h('div', { class: 'chart' }, h('h4', {}, title), svg, tip);
}

export function legend(items) {
  return h('div', { class: 'legend' }, items.map((it) => h('span', {}, h('i', { class: it.cls }), it.name)));
}

/** Bin labels of a numeric histogram: (-inf, e0], (e0, e1], ..., (e_last, inf). */
function binLabels(edges) {
  const f = (v) => fmtNum(v, 2);
  if (!edges.length) return ['all'];
  return [`≤ ${f(edges[0])}`, ...edges.slice(1).map((e, i) => `${f(edges[i])}–${f(e)}`), `> ${f(edges[edges.length - 1])}`];
}

/** Reference vs current shares per bin (numeric) or category. */
export function histogram(hist) {
  let labels;
  let ref;
  let cur;
  if (hist.type === 'numeric') {
    labels = binLabels(hist.bin_edges ?? []);
    ref = hist.counts?.ref ?? [];
    cur = hist.counts?.cur ?? [];
  } else {
    labels = [...(hist.categories ?? [])];
    ref = [...(hist.counts?.ref ?? [])];
    cur = [...(hist.counts?.cur ?? [])];
    if (hist.other) {
      labels.push(`${hist.other.categories} others`);
      ref.push(hist.other.ref);
      cur.push(hist.other.cur);
    }
  }
  const sum = (xs) => xs.reduce((a, b) => a + b, 0) || 1;
  const sr = sum(ref);
  const sc = sum(cur);
  const pr = labels.map((_, i) => (ref[i] ?? 0) / sr);
  const pc = labels.map((_, i) => (cur[i] ?? 0) / sc);
  const width = Math.max(W, labels.length * 34 + M.l + M.r);
  const height = 170;
  const bottom = 44;
  const yMax = niceMax(Math.max(...pr, ...pc, 0.01));
  const y = (v) => height - bottom - (v / yMax) * (height - M.t - bottom);
  const band = (width - M.l - M.r) / labels.length;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'reference and current histogram', class: 'histogram' });
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.append(s('line', { class: i === 0 ? 'axis' : 'grid', x1: M.l, x2: width - M.r, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: M.l - 4, y: y(v) + 3, 'text-anchor': 'end' }, `${Math.round(v * 100)}%`));
  }
  labels.forEach((label, i) => {
    const x0 = M.l + i * band;
    const bw = Math.max(2, band * 0.38);
    svg.append(
      s('rect', { class: 'bar-ref', x: x0 + band * 0.1, y: y(pr[i]), width: bw, height: Math.max(0, y(0) - y(pr[i])) }, s('title', {}, `${label}: reference ${(pr[i] * 100).toFixed(1)}% (${ref[i] ?? 0})`)),
      s('rect', { class: 'bar-cur', x: x0 + band * 0.1 + bw, y: y(pc[i]), width: bw, height: Math.max(0, y(0) - y(pc[i])) }, s('title', {}, `${label}: current ${(pc[i] * 100).toFixed(1)}% (${cur[i] ?? 0})`)),
    );
    const tx = x0 + band / 2;
    svg.append(s('text', { x: tx, y: height - bottom + 10, 'text-anchor': 'end', transform: `rotate(-35 ${tx} ${height - bottom + 10})` }, label.length > 14 ? `${label.slice(0, 13)}…` : label));
  });
  return h('div', { class: 'chart' }, svg, legend([{ name: 'reference', cls: 'ref' }, { name: 'current', cls: 'cur' }]));
}

/* global document, navigator */
// The drift heatmap (feature x window, coloured by PSI or by status) and the
// panel of one cell: reference vs current histogram, every score of that
// feature in that run, and the SQL that reproduces them (runnable here
// through POST /v1/sql).
import { api, qs } from './api.js';
import { badge, fill, fmtNum, fmtTime, h, table } from './dom.js';
import { histogram } from './charts.js';

const view = { colorBy: 'status', detector: null, selected: null, heatmap: null };
const $ = (id) => document.getElementById(id);

/** PSI -> colour: green below the warn band, amber to red above it (log-ish scale). */
function psiColour(psi) {
  if (psi === null || psi === undefined) return '';
  const t = Math.min(1, Math.max(0, Math.log10(1 + psi * 40) / Math.log10(1 + 0.5 * 40)));
  const hue = 130 - 130 * t;
  return `hsl(${hue.toFixed(0)} 70% ${(50 - 8 * t).toFixed(0)}%)`;
}

export async function renderDrift({ state, versions }) {
  const body = $('drift').querySelector('.body');
  const hm = await api(`/v1/dashboard/heatmap?${qs({ model: state.model, version: state.version, range: state.range, detector: view.detector ?? undefined })}`);
  view.heatmap = hm;
  if (view.detector && !hm.detectors.includes(view.detector)) view.detector = null;
  const controls = h(
    'div',
    { class: 'controls' },
    h(
      'label',
      { class: 'field' },
      'version ',
      h(
        'select',
        {
          id: 'drift-version',
          onchange: (ev) => {
            state.version = ev.target.value;
            view.selected = null;
            void renderDrift({ state, versions });
          },
        },
        versions.map((v) => h('option', { value: v, selected: v === state.version }, v)),
      ),
    ),
    hm.detectors.length > 1
      ? h(
          'label',
          { class: 'field' },
          'detector ',
          h(
            'select',
            {
              onchange: (ev) => {
                view.detector = ev.target.value;
                void renderDrift({ state, versions });
              },
            },
            hm.detectors.map((d) => h('option', { value: d, selected: d === hm.detector }, d)),
          ),
        )
      : hm.detector
        ? h('span', { class: 'muted' }, `detector ${hm.detector}, baseline ${hm.windows.at(-1)?.baseline ?? ''}`)
        : null,
    h(
      'label',
      { class: 'field' },
      'colour by ',
      h(
        'select',
        {
          id: 'drift-colour',
          onchange: (ev) => {
            view.colorBy = ev.target.value;
            drawGrid(body, hm, state);
          },
        },
        h('option', { value: 'status', selected: view.colorBy === 'status' }, 'status'),
        h('option', { value: 'psi', selected: view.colorBy === 'psi' }, 'PSI'),
      ),
    ),
  );
  fill(body, controls, h('div', { class: 'heatmap', id: 'heatmap' }), scale());
  drawGrid(body, hm, state);
}

function scale() {
  return view.colorBy === 'psi'
    ? h('div', { class: 'scale' }, 'PSI', [0, 0.05, 0.1, 0.25, 0.5].map((v) => h('span', {}, h('i', { style: { background: psiColour(v) } }), String(v))))
    : h('div', { class: 'scale' }, [['st-ok', 'ok'], ['st-warn', 'warn'], ['st-alert', 'alert'], ['', 'no data / too few']].map(([c, t]) => h('span', {}, h('i', { class: `cell ${c}` }), t)));
}

function drawGrid(body, hm, state) {
  const grid = body.querySelector('#heatmap');
  body.querySelector('.scale')?.replaceWith(scale());
  if (!hm.features.length) {
    fill(grid, h('p', { class: 'muted' }, `No drift scores for ${state.model}/${state.version} in this range. A drift detector scores each complete window (detectors.jobs).`));
    grid.style.gridTemplateColumns = '';
    return;
  }
  grid.style.gridTemplateColumns = `minmax(90px, max-content) repeat(${hm.windows.length}, minmax(8px, 1fr))`;
  const byCell = new Map(hm.cells.map((c) => [`${c[0]}:${c[1]}`, c]));
  const last = hm.windows.length - 1;
  const children = [];
  hm.features.forEach((f, fi) => {
    const latest = byCell.get(`${fi}:${last}`);
    const drifted = latest && (latest[4] === 'alert' || latest[4] === 'warn');
    children.push(h('div', { class: `label${drifted ? ' drifted' : ''}`, title: f, dataset: { feature: f, drifted: String(Boolean(drifted)) } }, f));
    hm.windows.forEach((w, wi) => {
      const c = byCell.get(`${fi}:${wi}`);
      const status = c ? c[4] : 'no_data';
      const psi = c ? c[2] : null;
      const cls = ['cell', view.colorBy === 'status' && ['ok', 'warn', 'alert'].includes(status) ? `st-${status}` : ''];
      if (view.selected && view.selected.feature === f && view.selected.run_id === w.run_id) cls.push('selected');
      const cell = h('button', {
        type: 'button',
        class: cls.join(' '),
        title: `${f} · ${fmtTime(w.start)}–${fmtTime(w.end)} · PSI ${fmtNum(psi)} · ${status}${c && c[5] ? ` · missing Δ ${fmtNum(c[5])}` : ''}`,
        'aria-label': `${f} window ending ${fmtTime(w.end)}: ${status}`,
        dataset: { feature: f, window: w.end ?? '', status, psi: psi === null ? '' : String(psi) },
        disabled: !c,
        onclick: () => {
          view.selected = { feature: f, run_id: w.run_id };
          grid.querySelectorAll('.cell.selected').forEach((e) => e.classList.remove('selected'));
          cell.classList.add('selected');
          void renderFeature(state, f, w.run_id);
        },
      });
      if (view.colorBy === 'psi' && psi !== null) cell.style.background = psiColour(psi);
      children.push(cell);
    });
  });
  children.push(h('div', {}));
  hm.windows.forEach((w, wi) => children.push(h('div', { class: 'tick' }, wi % Math.max(1, Math.ceil(hm.windows.length / 12)) === 0 || wi === last ? fmtTime(w.end).slice(0, 5) : '')));
  fill(grid, children);
}

async function renderFeature(state, feature, runId) {
  const body = $('feature').querySelector('.body');
  fill(body, h('p', { class: 'muted' }, `loading ${feature}…`));
  let d;
  try {
    d = await api(`/v1/dashboard/feature?${qs({ model: state.model, version: state.version, feature, run_id: runId })}`);
  } catch (e) {
    fill(body, h('p', { class: 'error' }, e.message));
    return;
  }
  const missing = d.scores.find((s) => s.metric === 'missing_share_delta');
  const rows = [...d.scores];
  if (missing && missing.details.missing_ref !== undefined) {
    rows.push({ metric: 'missing share (reference)', value: missing.details.missing_ref, status: '' });
    rows.push({ metric: 'missing share (current)', value: missing.details.missing_cur, status: '' });
  }
  $('feature').querySelector('h3').textContent = `Feature ${feature}`;
  fill(
    body,
    h('p', { class: 'muted', id: 'feature-context' }, `${d.model}/${d.version} · ${d.type} · window ${fmtTime(d.run.window_start, true)} – ${fmtTime(d.run.window_end)} against ${d.run.baseline} · detector ${d.run.detector}`),
    d.histogram ? histogram(d.histogram) : h('p', { class: 'muted' }, 'No histogram: the feature had no values on one side.'),
    table(
      [
        { label: 'metric', cell: (r) => r.metric },
        { label: 'value', num: true, cell: (r) => fmtNum(r.value, 4) },
        { label: 'p-value', num: true, cell: (r) => (r.p_value === undefined || r.p_value === null ? '' : fmtNum(r.p_value, 4)) },
        { label: 'threshold', num: true, cell: (r) => (r.threshold === undefined || r.threshold === null ? '' : fmtNum(r.threshold)) },
        { label: 'status', cell: (r) => (r.status ? badge(r.status) : '') },
      ],
      rows.map((r) => ({ ...r, __class: r.status === 'alert' ? 'flagged' : undefined })),
    ),
    sqlBlock('The stored scores', d.sql.stored),
    d.sql.recompute ? sqlBlock('Recomputed from the raw values (docs/statistics.md)', d.sql.recompute) : h('p', { class: 'muted' }, 'This baseline cannot be written as one query.'),
  );
}

function sqlBlock(title, sql) {
  const out = h('div', { class: 'sql-result' });
  const run = h('button', { type: 'button', class: 'small', onclick: () => void runSql(sql, out, run) }, 'Run');
  const copy = h('button', { type: 'button', class: 'small ghost', onclick: () => void navigator.clipboard?.writeText(sql) }, 'Copy');
  return h('details', { class: 'sql', open: true }, h('summary', {}, title, ' ', run, ' ', copy), h('pre', {}, h('code', {}, sql)), out);
}

async function runSql(query, out, button) {
  button.disabled = true;
  fill(out, h('p', { class: 'muted' }, 'running…'));
  try {
    const r = await api('/v1/sql', { method: 'POST', body: { query, limit: 100 }, retry: false });
    fill(
      out,
      r.rows.length
        ? table(
            r.columns.map((c) => ({ label: c, num: true, cell: (row) => (typeof row[c] === 'number' ? fmtNum(row[c], 6) : String(row[c] ?? '')) })),
            r.rows,
          )
        : h('p', { class: 'muted' }, 'no rows'),
    );
    out.dataset.ran = 'true';
  } catch (e) {
    fill(out, h('p', { class: 'error' }, e.message));
  } finally {
    button.disabled = false;
  }
}

/* global document */
// Champion vs canary (GET /v1/versions/compare, as `driftwatch versions
// compare`), shadow agreement, the latest model-level scores of every version
// (any metric: new detectors' metrics such as estimated_* appear without code
// here), and the rollout-gate verdicts recorded for the model.
import { api, qs } from './api.js';
import { badge, fill, fmtNum, fmtTime, h, table } from './dom.js';

const $ = (id) => document.getElementById(id);

function compareTable(rows) {
  return table(
    [
      { label: 'section', cell: (r) => r.section },
      { label: 'metric', cell: (r) => r.metric },
      { label: 'feature', cell: (r) => r.feature },
      { label: 'champion', num: true, cell: (r) => fmtNum(r.a, 4) },
      { label: 'canary', num: true, cell: (r) => fmtNum(r.b, 4) },
      { label: 'delta', num: true, cell: (r) => fmtNum(r.delta, 4) },
      { label: 'p-value', num: true, cell: (r) => (r.p_value === null ? '' : fmtNum(r.p_value, 3)) },
      { label: 'status', cell: (r) => badge(r.status) },
    ],
    rows.map((r) => ({ ...r, __class: r.status === 'alert' ? 'flagged' : undefined })),
  );
}

export async function renderCompare({ state, versions }) {
  const body = $('compare').querySelector('.body');
  if (versions.length < 2) {
    fill(body, h('p', { class: 'muted' }, `${state.model} has one version in this range: nothing to compare.`));
    return;
  }
  const champion = versions[0];
  const window = state.range === '15m' ? '15m' : '1h';
  const parts = await Promise.all(
    versions.slice(1, 4).map(async (b) => {
      try {
        return { b, r: await api(`/v1/versions/compare?${qs({ model: state.model, a: champion, b, window })}`) };
      } catch (e) {
        return { b, error: e.message };
      }
    }),
  );
  fill(
    body,
    h('p', { class: 'muted' }, `Champion ${champion} (most traffic) against each other version over the last ${window}, as driftwatch versions compare --model ${state.model} --a ${champion} --b <version> --window ${window}.`),
    parts.map(({ b, r, error }) => {
      if (error) return h('div', {}, h('h4', {}, `${champion} vs ${b}`), h('p', { class: 'error' }, error));
      const shadow = r.rows.filter((x) => x.section === 'shadow');
      const rest = r.rows.filter((x) => x.section !== 'shadow');
      const flagged = rest.filter((x) => x.status === 'warn' || x.status === 'alert');
      const quiet = rest.filter((x) => !(x.status === 'warn' || x.status === 'alert'));
      return h(
        'div',
        { class: 'compare', dataset: { a: champion, b } },
        h('h4', {}, `${champion} vs ${b} · ${r.flagged} flagged · ${fmtTime(r.window.start)} – ${fmtTime(r.window.end)}`),
        shadow.length ? h('div', { class: 'shadow' }, h('strong', {}, 'Shadow agreement'), compareTable(shadow)) : null,
        flagged.length ? compareTable(flagged) : h('p', { class: 'muted' }, 'Nothing flagged.'),
        quiet.length ? h('details', {}, h('summary', {}, `${quiet.length} other metrics`), compareTable(quiet)) : null,
      );
    }),
  );
}

export async function renderScores({ state, versions }) {
  const body = $('scores').querySelector('.body');
  const r = await api(`/v1/scores/latest?${qs({ model: state.model, feature: '', limit: 1000 })}`);
  const rows = r.items.filter((x) => x.segment === '' && versions.includes(x.model_version));
  if (!rows.length) {
    fill(body, h('p', { class: 'muted' }, 'No model-level scores yet (operational, quality, confidence, shadow, estimated quality, ...).'));
    return;
  }
  // metric -> version -> latest row; every metric the detectors wrote, known or not.
  const byMetric = new Map();
  for (const x of rows) {
    const m = byMetric.get(x.metric) ?? new Map();
    const prev = m.get(x.model_version);
    if (!prev || prev.run_at < x.run_at) m.set(x.model_version, x);
    byMetric.set(x.metric, m);
  }
  const metrics = [...byMetric.keys()].sort((a, b) => a.localeCompare(b));
  fill(
    body,
    table(
      [
        { label: 'metric', cell: (m) => m.metric },
        ...versions.map((v) => ({
          label: v,
          num: true,
          cell: (m) => {
            const x = m.byVersion.get(v);
            if (!x) return '';
            const flagged = x.status === 'warn' || x.status === 'alert';
            return h('span', { title: `${x.detector} · window ending ${x.window_end} · ${x.status}`, dataset: { metric: m.metric, version: v, status: x.status } }, fmtNum(x.value, 4), flagged ? [' ', badge(x.status)] : null);
          },
        })),
      ],
      metrics.map((metric) => ({ metric, byVersion: byMetric.get(metric) })),
    ),
  );
}

const VERDICT_CLASS = { pass: 'ok', fail: 'failed', inconclusive: 'warn' };

// Rollout-gate verdicts already recorded for the model (GET
// /v1/dashboard/gate reads gate_decisions). Never GET /v1/gate from here:
// asking the gate records a verdict and, on fail, may queue a rollback.
export async function renderGate({ state }) {
  const el = $('gate');
  el.hidden = false;
  try {
    const r = await api(`/v1/dashboard/gate?${qs({ model: state.model, range: state.range })}`);
    const head = h('h3', {}, 'Rollout gate');
    if (!r.verdicts.length) {
      fill(el, head, h('p', { class: 'muted', dataset: { empty: 'gate' } }, `No gate verdicts for ${state.model} in this range. Ask with `, h('code', {}, `driftwatch gate --model ${state.model} --candidate V2 --baseline V1`), ' or GET /v1/gate (a controller does).'));
      return;
    }
    fill(
      el,
      head,
      table(
        [
          { label: 'decided', cell: (v) => h('span', { title: v.decided_at }, fmtTime(v.decided_at, true)) },
          { label: 'candidate', cell: (v) => `${v.candidate} vs ${v.baseline}` },
          { label: 'policy', cell: (v) => v.policy },
          { label: 'verdict', cell: (v) => h('span', { dataset: { verdict: v.verdict, candidate: v.candidate } }, badge(v.verdict, VERDICT_CLASS[v.verdict] ?? 'info')) },
          { label: 'failed checks', cell: (v) => v.failed_checks.join(', ') },
          { label: 'n', num: true, cell: (v) => `${fmtNum(v.n_candidate)} / ${fmtNum(v.n_baseline)}` },
          { label: 'rollback', cell: (v) => v.rollback ?? '' },
          { label: 'asked by', cell: (v) => v.source },
          { label: 'why', cell: (v) => h('span', { title: v.reasons.join('\n') }, v.reasons[0] ?? '') },
        ],
        r.verdicts,
      ),
    );
  } catch (e) {
    fill(el, h('h3', {}, 'Rollout gate'), h('p', { class: 'error' }, e.message));
  }
}

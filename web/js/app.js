/* global document, URLSearchParams, history, location, setInterval */
// The dashboard page: asks the daemon's /v1 API for everything it shows,
// refreshes every few seconds, and keeps going through a daemon restart.
import { api, onConnection, onUnauthorized, qs, token } from './api.js';
import { badge, fill, fmtAgo, fmtCount, fmtNum, fmtPct, fmtTime, h, table } from './dom.js';
import { legend, lineChart } from './charts.js';
import { renderDrift } from './drift.js';
import { renderAlerts, renderSilences, setupSilenceDialog } from './alerts.js';
import { renderCompare, renderGate, renderScores } from './compare.js';

const params = new URLSearchParams(location.search);
const REFRESH_MS = Math.max(2000, Number(params.get('refresh') ?? 15000));
const $ = (id) => document.getElementById(id);

export const state = {
  range: params.get('range') ?? '24h',
  model: params.get('model') ?? null,
  version: params.get('version') ?? null,
  overview: null,
  alerts: [],
};

// ---- token and connection --------------------------------------------------
const tokenDialog = $('token-dialog');
let tokenWaiters = [];
function askToken(err) {
  const msg = $('token-error');
  if (token.get()) {
    msg.textContent = err?.status === 401 ? 'That token was not accepted.' : '';
    msg.hidden = !msg.textContent;
  }
  if (!tokenDialog.open) tokenDialog.showModal();
  $('token-input').focus();
  return new Promise((resolve) => tokenWaiters.push(resolve));
}
$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token-input').value.trim();
  if (!t) return;
  token.set(t);
  $('token-input').value = '';
  tokenDialog.close();
  const w = tokenWaiters;
  tokenWaiters = [];
  for (const r of w) r();
});
tokenDialog.addEventListener('cancel', (ev) => ev.preventDefault());
$('token-button').addEventListener('click', () => {
  token.set(null);
  void askToken();
});
onUnauthorized(askToken);

onConnection((s) => {
  const el = $('conn');
  el.className = `conn ${s}`;
  el.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', unauthorized: 'token needed' }[s] ?? s;
  const banner = $('banner');
  banner.hidden = s !== 'reconnecting';
  banner.textContent = s === 'reconnecting' ? 'The daemon is not answering; reconnecting… (the page resumes by itself)' : '';
});

if (![...$('range').options].some((o) => o.value === state.range)) $('range').append(h('option', { value: state.range }, state.range));
$('range').value = state.range;
$('range').addEventListener('change', () => {
  state.range = $('range').value;
  syncUrl();
  void refresh({ full: true });
});

function syncUrl() {
  const p = new URLSearchParams(location.search);
  p.set('range', state.range);
  if (state.model) p.set('model', state.model);
  if (state.version) p.set('version', state.version);
  history.replaceState(null, '', `?${p}`);
}

// ---- overview ----------------------------------------------------------------
function renderOverview(ov) {
  const body = $('overview').querySelector('.body');
  if (!ov.models.length) {
    fill(body, h('p', { class: 'muted' }, 'No predictions in this range yet. Model servers log them to Kafka or POST /v1/predictions.'));
    return;
  }
  const firing = new Set(state.alerts.filter((a) => a.state === 'firing' && !a.status.silenced_by.length).map((a) => `${a.labels.model}\u0000${a.labels.version}`));
  const rows = ov.models.flatMap((m) =>
    m.versions.map((v, i) => ({
      ...v,
      model: m.model,
      first: i === 0,
      status: firing.has(`${m.model}\u0000${v.version}`) ? 'alert' : v.status,
      __class: state.model === m.model ? 'selected' : undefined,
    })),
  );
  fill(
    body,
    table(
      [
        { label: 'model', cell: (r) => (r.first ? h('a', { href: `?${qs({ range: state.range, model: r.model })}`, onclick: (ev) => selectModel(ev, r.model) }, r.model) : '') },
        { label: 'version', cell: (r) => r.version },
        { label: 'status', cell: (r) => h('span', { dataset: { status: r.status, model: r.model, version: r.version } }, badge(r.status)) },
        { label: 'traffic share', cell: (r) => [h('span', { class: 'share' }, h('span', { style: { width: `${Math.round(r.share * 100)}%` } })), fmtPct(r.share)] },
        { label: 'predictions', num: true, cell: (r) => fmtCount(r.predictions) },
        { label: 'error rate', num: true, cell: (r) => (r.predictions ? fmtPct(r.errors / r.predictions, 2) : '–') },
        { label: 'first seen', cell: (r) => h('span', { title: r.first_seen ?? '' }, fmtTime(r.first_seen, true)) },
        { label: 'last seen', cell: (r) => h('span', { title: r.last_seen ?? '' }, fmtAgo(r.last_seen)) },
        { label: 'what is off', cell: (r) => (r.worst.length ? r.worst.map((w) => `${w.metric}${w.feature ? `(${w.feature})` : ''} ${fmtNum(w.value)}`).join(', ') : r.scores.judged ? 'nothing' : 'not scored yet') },
      ],
      rows,
    ),
  );
}

function selectModel(ev, model) {
  ev?.preventDefault();
  state.model = model;
  state.version = null;
  syncUrl();
  void refreshModel(true);
}

function renderTabs(ov) {
  fill(
    $('model-tabs'),
    ov.models.map((m) => h('button', { type: 'button', role: 'tab', 'aria-selected': String(m.model === state.model), onclick: (ev) => selectModel(ev, m.model) }, m.model)),
  );
  $('model').querySelector('h2').textContent = state.model ? `Model ${state.model}` : 'Model';
}

// ---- traffic ---------------------------------------------------------------
function renderTraffic(ts) {
  const from = Date.parse(ts.range.from);
  const to = Date.parse(ts.range.to);
  const stepMs = ts.step_seconds * 1000;
  const cls = (i) => `s${i % 6}`;
  const series = (col, scale = 1) =>
    ts.versions.map((v, i) => ({ name: v.version, cls: cls(i), points: v.points.map((p) => [Date.parse(p[0]), p[col] === null ? null : p[col] * scale]) }));
  const perMin = 60 / ts.step_seconds;
  fill(
    $('traffic'),
    h('div', { class: 'chart-legend' }, legend(ts.versions.map((v, i) => ({ name: v.version, cls: cls(i) }))), h('p', { class: 'muted' }, `buckets of ${ts.step_seconds >= 60 ? `${ts.step_seconds / 60} min` : `${ts.step_seconds} s`}; latency quantiles are approximate (sampled)`)),
    lineChart({ title: 'requests per minute', series: series(1, perMin), from, to, stepMs, yFmt: (v) => fmtCount(v) }),
    lineChart({ title: 'latency p50 (ms)', series: series(3), from, to, stepMs }),
    lineChart({ title: 'latency p95 (ms)', series: series(4), from, to, stepMs }),
    lineChart({ title: 'latency p99 (ms)', series: series(5), from, to, stepMs }),
    lineChart({ title: 'error rate', series: series(2), from, to, stepMs, yFmt: (v) => fmtPct(v) }),
  );
}

// ---- detector runs ---------------------------------------------------------
function renderRuns(runs, failed) {
  const byId = new Map([...failed, ...runs].map((r) => [r.run_id, r]));
  const list = [...byId.values()].sort((a, b) => (a.started_at < b.started_at ? 1 : -1)).slice(0, 40);
  const failures = failed.length;
  fill(
    $('runs').querySelector('.body'),
    failures ? h('p', { class: 'notice' }, `${failures} failed run${failures === 1 ? '' : 's'} among the latest; the error is shown on each.`) : null,
    list.length
      ? table(
          [
            { label: 'detector', cell: (r) => r.detector },
            { label: 'window', cell: (r) => `${fmtTime(r.window_start)} – ${fmtTime(r.window_end)}` },
            { label: 'trigger', cell: (r) => r.trigger },
            { label: 'status', cell: (r) => badge(r.status === 'ok' ? 'ok' : r.status, r.status === 'ok' ? 'ok' : 'failed') },
            { label: 'scores', num: true, cell: (r) => String(r.scores) },
            { label: 'took', num: true, cell: (r) => `${Math.max(0, Date.parse(`${r.finished_at}Z`) - Date.parse(`${r.started_at}Z`))} ms` },
            { label: 'started', cell: (r) => fmtAgo(`${r.started_at.replace(' ', 'T')}Z`) },
            { label: 'error', cell: (r) => (r.error ? h('code', { class: 'error' }, r.error) : '') },
          ],
          list.map((r) => ({ ...r, __class: r.status === 'ok' ? undefined : 'flagged' })),
        )
      : h('p', { class: 'muted' }, 'No detector has run yet.'),
  );
}

// ---- refresh loop ----------------------------------------------------------
let compareAt = 0;
async function refreshModel(full) {
  const ov = state.overview;
  if (!ov) return;
  if (!state.model || !ov.models.some((m) => m.model === state.model)) state.model = ov.models[0]?.model ?? null;
  renderTabs(ov);
  if (!state.model) return;
  const model = ov.models.find((m) => m.model === state.model);
  const versions = model.versions.map((v) => v.version);
  if (!state.version || !versions.includes(state.version)) state.version = versions.find((v, i) => i > 0) ?? versions[0];
  const jobs = [
    api(`/v1/dashboard/timeseries?${qs({ model: state.model, range: state.range })}`).then(renderTraffic),
    renderDrift({ state, versions, full }),
    renderScores({ state, versions }),
    renderGate({ state }),
  ];
  if (full || Date.now() - compareAt > 60_000) {
    compareAt = Date.now();
    jobs.push(renderCompare({ state, versions }));
  }
  await Promise.all(jobs);
}

let running = null;
let again = null;
/** One refresh at a time; a refresh asked for meanwhile (e.g. after a silence) runs right after. */
async function refresh({ full = false } = {}) {
  if (running) {
    again ??= running.then(() => {
      again = null;
      return refresh({ full });
    });
    return again;
  }
  running = (async () => {
    try {
      const [ov, alerts] = await Promise.all([api(`/v1/dashboard/overview?${qs({ range: state.range })}`), api('/v1/alerts')]);
      state.overview = ov;
      state.alerts = alerts.alerts;
      renderOverview(ov);
      renderAlerts(state.alerts, () => refresh());
      const [silences, runs, failed, timedOut] = await Promise.all([
        api('/v1/silences'),
        api('/v1/runs?limit=40'),
        api('/v1/runs?status=failed&limit=20'),
        api('/v1/runs?status=timeout&limit=20'),
      ]);
      renderSilences(silences.silences, () => refresh());
      renderRuns(runs.items, [...failed.items, ...timedOut.items]);
      await refreshModel(full);
      $('updated').textContent = `updated ${fmtTime(new Date().toISOString())} UTC`;
      document.body.dataset.loaded = 'true';
    } catch (e) {
      $('banner').hidden = false;
      $('banner').textContent = `Could not load: ${e.message}`;
      console.warn('dashboard refresh failed', e);
    } finally {
      running = null;
    }
  })();
  return running;
}

setupSilenceDialog(() => refresh());
void refresh({ full: true });
setInterval(() => void refresh(), REFRESH_MS);

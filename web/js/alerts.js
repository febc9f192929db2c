/* global document, localStorage */
// Firing and pending alerts with their evidence, the silences, and the form
// that silences an alert for a while (POST /v1/silences, admin scope).
import { api } from './api.js';
import { badge, fill, fmtAgo, fmtNum, fmtTime, h, table } from './dom.js';

const $ = (id) => document.getElementById(id);
let current = null;
let afterChange = () => undefined;

const IDENTITY = ['alertname', 'model', 'version', 'feature', 'metric', 'segment'];

export function renderAlerts(alerts, refresh) {
  const body = $('alerts').querySelector('.body');
  const active = alerts.filter((a) => a.state === 'firing' || a.state === 'pending');
  const resolved = alerts.filter((a) => a.state === 'resolved');
  const firing = active.filter((a) => a.state === 'firing' && !a.status.silenced_by.length && !a.status.inhibited_by.length).length;
  $('alert-count').textContent = `${firing} firing, ${active.length - firing} pending or muted, ${resolved.length} resolved`;
  if (!active.length) {
    fill(body, h('p', { class: 'muted' }, resolved.length ? 'Nothing firing or pending.' : 'No alerts.'));
    return;
  }
  active.sort((a, b) => (a.state === b.state ? (a.fired_at ?? a.active_at ?? '') < (b.fired_at ?? b.active_at ?? '') ? 1 : -1 : a.state === 'firing' ? -1 : 1));
  fill(
    body,
    active.map((a) => {
      const muted = a.status.silenced_by.length > 0 || a.status.inhibited_by.length > 0;
      return h(
        'article',
        { class: `alert-item ${a.state}${muted ? ' muted' : ''}`, dataset: { fingerprint: a.fingerprint, state: a.state, muted: String(muted), feature: a.labels.feature ?? '' } },
        h(
          'header',
          {},
          badge(a.state),
          badge(a.severity),
          h('strong', {}, a.rule),
          h('span', {}, `${a.labels.model ?? ''}/${a.labels.version ?? ''}${a.labels.feature ? ` · ${a.labels.feature}` : ''}`),
          muted ? badge(a.status.silenced_by.length ? 'silenced' : 'inhibited', 'muted') : null,
          h(
            'span',
            { class: 'right' },
            h('span', { class: 'muted' }, a.state === 'firing' ? `firing since ${fmtAgo(a.fired_at)}` : `pending since ${fmtAgo(a.active_at)}`),
            h('button', { type: 'button', class: 'small', dataset: { action: 'silence' }, onclick: () => openSilence(a, refresh) }, 'Silence…'),
          ),
        ),
        a.annotations.summary ? h('div', {}, a.annotations.summary) : null,
        h('div', { class: 'labels' }, Object.entries(a.labels).map(([k, v]) => h('code', {}, `${k}="${v}"`))),
        h('div', { class: 'muted' }, `value ${fmtNum(a.value, 4)}${a.threshold !== null ? `, threshold ${fmtNum(a.threshold)}` : ''}`),
        a.annotations.runbook_url ? h('a', { href: a.annotations.runbook_url, rel: 'noopener noreferrer', target: '_blank' }, 'runbook') : null,
        a.evidence?.length
          ? h(
              'details',
              {},
              h('summary', {}, `evidence: ${a.evidence.length} score row${a.evidence.length === 1 ? '' : 's'}`),
              table(
                [
                  { label: 'run at', cell: (e) => fmtTime(e.run_at, true) },
                  { label: 'detector', cell: (e) => e.detector },
                  { label: 'metric', cell: (e) => `${e.metric}${e.feature ? ` (${e.feature})` : ''}${e.segment ? ` [${e.segment}]` : ''}` },
                  { label: 'value', num: true, cell: (e) => fmtNum(e.value, 4) },
                  { label: 'p-value', num: true, cell: (e) => (e.p_value === null ? '' : fmtNum(e.p_value, 4)) },
                  { label: 'threshold', num: true, cell: (e) => fmtNum(e.threshold ?? e.detector_threshold) },
                  { label: 'status', cell: (e) => badge(e.status) },
                ],
                a.evidence,
              ),
            )
          : null,
      );
    }),
  );
}

export function renderSilences(silences, refresh) {
  const body = $('silences').querySelector('.body');
  const shown = silences.filter((x) => x.status.state !== 'expired').sort((a, b) => (a.ends_at < b.ends_at ? -1 : 1));
  const expired = silences.length - shown.length;
  fill(
    body,
    shown.length
      ? table(
          [
            { label: 'state', cell: (x) => badge(x.status.state) },
            { label: 'matchers', cell: (x) => h('div', { class: 'labels' }, x.matchers.map((m) => h('code', {}, m.text))) },
            { label: 'until', cell: (x) => fmtTime(x.ends_at, true) },
            { label: 'by', cell: (x) => x.created_by },
            { label: 'comment', cell: (x) => x.comment },
            { label: '', cell: (x) => h('button', { type: 'button', class: 'small ghost', onclick: () => void expire(x, body, refresh) }, 'Expire') },
          ],
          shown.map((x) => ({ ...x, __class: undefined })),
        )
      : h('p', { class: 'muted' }, 'No active silences.'),
    expired ? h('p', { class: 'muted' }, `${expired} expired.`) : null,
  );
}

function scopeMessage(e) {
  if (e.status === 403) return 'This token lacks the admin scope: silencing and expiring need a token with admin (ask an operator, or use the CLI with one).';
  return e.message;
}

async function expire(x, body, refresh) {
  try {
    await api(`/v1/silences/${encodeURIComponent(x.id)}`, { method: 'DELETE', retry: false });
    await refresh();
  } catch (e) {
    body.prepend(h('p', { class: 'error', role: 'alert' }, scopeMessage(e)));
  }
}

function openSilence(alert, refresh) {
  current = alert;
  afterChange = refresh;
  const list = $('silence-matchers');
  fill(
    list,
    IDENTITY.filter((k) => alert.labels[k] !== undefined && alert.labels[k] !== '').map((k) => h('li', {}, h('code', {}, `${k}="${alert.labels[k]}"`))),
  );
  $('silence-error').hidden = true;
  $('silence-submit').disabled = false;
  $('silence-dialog').showModal();
  $('silence-comment').focus();
}

export function setupSilenceDialog() {
  const dialog = $('silence-dialog');
  $('silence-cancel').addEventListener('click', () => dialog.close());
  $('silence-author').value = localStorage.getItem('driftwatch.author') ?? '';
  $('silence-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!current) return;
    const err = $('silence-error');
    const author = $('silence-author').value.trim();
    const comment = $('silence-comment').value.trim();
    localStorage.setItem('driftwatch.author', author);
    const matchers = IDENTITY.filter((k) => current.labels[k] !== undefined && current.labels[k] !== '').map((k) => ({ name: k, value: current.labels[k], isRegex: false }));
    $('silence-submit').disabled = true;
    try {
      await api('/v1/silences', { method: 'POST', retry: false, body: { matchers, duration: $('silence-duration').value, created_by: author, comment } });
      dialog.close();
      $('silence-comment').value = '';
      await afterChange();
    } catch (e) {
      err.textContent = scopeMessage(e);
      err.hidden = false;
      err.dataset.status = String(e.status);
      $('silence-submit').disabled = false;
    }
  });
}

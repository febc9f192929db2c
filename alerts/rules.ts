// A rule turns one score row into a judgement: breach (with a severity and
// the threshold crossed), healthy, or nothing to say (no data).
import type { Evidence } from './alert.ts';
import { SEVERITIES, type RuleConfig, type Severity } from './config.ts';
import { globMatcher } from '../src/core/util/glob.ts';
import type { Labels } from './labels.ts';
import { isSilentStatus, type ScoreRow } from './score.ts';
import { renderTemplate, type TemplateValues } from './template.ts';

export type Judgement = { kind: 'breach'; severity: Severity; threshold: number | null } | { kind: 'ok' } | { kind: 'skip' };

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, error: 3, warning: 2, info: 1 };

const RESERVED = new Set(['alertname', 'model', 'version', 'feature', 'metric', 'segment', 'detector', 'severity']);

export class CompiledRule {
  readonly name: string;
  readonly config: RuleConfig;
  readonly #selectors: Array<(row: ScoreRow) => boolean>;

  constructor(config: RuleConfig) {
    this.name = config.name;
    this.config = config;
    const m = config.match;
    const metric = globMatcher(m.metric);
    const model = globMatcher(m.model);
    const version = globMatcher(m.version);
    const feature = globMatcher(m.feature);
    const segment = globMatcher(m.segment);
    const detector = globMatcher(m.detector);
    const tags = Object.entries(m.tags);
    this.#selectors = [
      (r) => metric(r.metric),
      (r) => model(r.model),
      (r) => version(r.model_version),
      (r) => feature(r.feature),
      (r) => segment(r.segment),
      (r) => detector(r.detector),
      (r) => tags.every(([k, v]) => r.tags?.[k] === v),
    ];
  }

  selects(row: ScoreRow): boolean {
    return this.#selectors.every((s) => s(row));
  }

  judge(row: ScoreRow): Judgement {
    if (isSilentStatus(row.status)) return { kind: 'skip' };
    const { thresholds, direction } = this.config;
    if (!thresholds) {
      return row.status === 'alert' ? { kind: 'breach', severity: this.config.severity, threshold: row.threshold } : { kind: 'ok' };
    }
    if (row.value === null || !Number.isFinite(row.value)) return { kind: 'skip' };
    for (const sev of SEVERITIES) {
      const t = thresholds[sev];
      if (t === undefined) continue;
      if (direction === 'above' ? row.value > t : row.value < t) return { kind: 'breach', severity: sev, threshold: t };
    }
    return { kind: 'ok' };
  }

  /** Identity labels (no severity). */
  labelsFor(row: ScoreRow): Record<string, string> {
    // The detector is part of the identity: two jobs scoring the same metric
    // against different baselines (a version's own past, the champion) are
    // two signals, and mixing their runs would make `for` count neither.
    const labels: Record<string, string> = { alertname: this.name, model: row.model, version: row.model_version, metric: row.metric, detector: row.detector };
    if (row.feature !== '') labels.feature = row.feature;
    if (row.segment !== '') labels.segment = row.segment;
    for (const k of Object.keys(this.config.match.tags)) {
      const v = row.tags?.[k];
      if (v !== undefined && !RESERVED.has(k)) labels[k] = v;
    }
    for (const [k, v] of Object.entries(this.config.labels)) labels[k] = v;
    return labels;
  }

  annotationsFor(labels: Labels, row: ScoreRow, severity: Severity, threshold: number | null): Record<string, string> {
    const values: TemplateValues = {
      rule: this.name,
      alertname: this.name,
      model: row.model,
      version: row.model_version,
      feature: row.feature,
      metric: row.metric,
      segment: row.segment,
      detector: row.detector,
      value: row.value,
      threshold: threshold ?? row.threshold,
      p_value: row.p_value,
      severity,
      status: row.status,
      run_id: row.run_id,
      run_at: row.run_at,
    };
    const a = this.config.annotations;
    const out: Record<string, string> = {};
    const where = row.feature ? `${row.model}/${row.model_version} feature ${row.feature}` : `${row.model}/${row.model_version}`;
    out.summary = a.summary ? renderTemplate(a.summary, values, { labels }) : `${row.metric} ${formatNumber(row.value)} on ${where} (threshold ${formatNumber(threshold ?? row.threshold)})`;
    if (a.description) out.description = renderTemplate(a.description, values, { labels });
    if (a.runbook_url) out.runbook_url = renderTemplate(a.runbook_url, values, { labels, encode: true });
    if (a.dashboard_url) out.dashboard_url = renderTemplate(a.dashboard_url, values, { labels, encode: true });
    return out;
  }
}

export function evidenceOf(row: ScoreRow, severity: Severity, threshold: number | null): Evidence {
  return {
    run_id: row.run_id,
    run_at: row.run_at,
    detector: row.detector,
    model: row.model,
    model_version: row.model_version,
    segment: row.segment,
    feature: row.feature,
    metric: row.metric,
    value: row.value,
    p_value: row.p_value,
    detector_threshold: row.threshold,
    threshold,
    status: row.status,
    severity,
  };
}

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

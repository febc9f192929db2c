// Which labels an alert can carry, so a matcher that can never match is a
// config error (with its path) instead of a route that silently never fires:
// - the engine's labels: alertname, model, version, metric, feature (absent
//   for model-level metrics), segment (when set), detector and severity;
// - the keys of any rule's `labels`;
// - the tags named in a rule's `match.tags`, each of which must be a tag some
//   detector puts on its score rows (the caller passes those names: the
//   version's `deployment` tag and the `segment_by` tag of segmenting jobs).
import type { AlertsConfig, RouteConfig } from './config.ts';
import type { Matcher } from './labels.ts';

export const ENGINE_LABELS: readonly string[] = ['alertname', 'model', 'version', 'metric', 'feature', 'segment', 'detector', 'severity'];

export interface LabelIssue {
  /** Path inside the `alerts` section. */
  path: Array<string | number>;
  message: string;
}

type Rules = AlertsConfig['rules'];

/** Every label some alert of this config can carry. */
export function producibleLabels(rules: Rules, scoreTags: readonly string[]): Set<string> {
  const tags = new Set(scoreTags);
  const out = new Set(ENGINE_LABELS);
  for (const r of rules) {
    for (const k of Object.keys(r.labels)) out.add(k);
    for (const k of Object.keys(r.match.tags)) if (tags.has(k)) out.add(k);
  }
  return out;
}

export function unproducibleLabels(alerts: Pick<AlertsConfig, 'rules' | 'route' | 'inhibit_rules'>, scoreTags: readonly string[]): LabelIssue[] {
  const issues: LabelIssue[] = [];
  const tags = new Set(scoreTags);
  const tagList = [...tags].join(', ');
  alerts.rules.forEach((r, i) => {
    for (const k of Object.keys(r.match.tags)) {
      if (!tags.has(k)) issues.push({ path: ['rules', i, 'match', 'tags', k], message: `no detector puts tag "${k}" on its scores (score tags with this config: ${tagList}; add a job with segment_by: ${k} to get it)` });
    }
  });
  const labels = producibleLabels(alerts.rules, scoreTags);
  const known = [...labels].join(', ');
  const check = (name: string, path: Array<string | number>): void => {
    if (!labels.has(name)) issues.push({ path, message: `no alert carries label "${name}" (labels alerts can carry with this config: ${known})` });
  };
  const matchers = (list: readonly Matcher[], path: Array<string | number>): void => list.forEach((m, j) => check(m.name, [...path, j]));
  const walk = (route: RouteConfig, path: Array<string | number>): void => {
    matchers(route.matchers, [...path, 'matchers']);
    route.routes.forEach((c, i) => walk(c, [...path, 'routes', i]));
  };
  if (alerts.route) walk(alerts.route, ['route']);
  alerts.inhibit_rules.forEach((r, i) => {
    matchers(r.source_matchers, ['inhibit_rules', i, 'source_matchers']);
    matchers(r.target_matchers, ['inhibit_rules', i, 'target_matchers']);
    r.equal.forEach((name, j) => check(name, ['inhibit_rules', i, 'equal', j]));
  });
  return issues;
}

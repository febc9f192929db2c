// Annotation templates in the spellings Prometheus and Alertmanager users
// already write, with driftwatch's short form kept as an alias.
import { describe, expect, it } from 'vitest';
import { alertsSchema } from '../../alerts/config.ts';
import { renderTemplate, templateProblems } from '../../alerts/template.ts';

const labels = { alertname: 'feature-drift', model: 'fraud', version: 'v12', feature: 'amount', team: 'ml', deployment: 'canary/eu west' };
const values = { model: 'fraud', version: 'v12', feature: 'amount', value: 0.312345678, threshold: 0.25 };

describe('templates', () => {
  it('{{ $labels.x }}, {{ .Labels.x }}, {{ $value }}, {{ .Value }} as in Prometheus rules and Alertmanager', () => {
    expect(renderTemplate('{{ $labels.model }}/{{ .Labels.version }} {{ $labels.feature }} is {{ $value }}', values, { labels })).toBe('fraud/v12 amount is 0.312345678');
    expect(renderTemplate('{{.Value}} on {{.Labels.team}}', values, { labels })).toBe('0.312345678 on ml');
    // A label the alert does not carry renders empty.
    expect(renderTemplate('[{{ $labels.segment }}]', values, { labels })).toBe('[]');
  });

  it('keeps the short form as an alias: {{model}}, {{value}} (4 significant digits), {{labels.team}}', () => {
    expect(renderTemplate('{{metric}}{{model}} {{ value }} > {{threshold}} on {{labels.team}}', { ...values, metric: '' }, { labels })).toBe('fraud 0.3123 > 0.25 on ml');
    expect(renderTemplate('{{ $labels.model }} == {{model}}', values, { labels })).toBe('fraud == fraud');
  });

  it('URL-encodes every form inside runbook and dashboard links', () => {
    const url = 'https://grafana/d/x?var-model={{ $labels.model }}&var-dep={{ .Labels.deployment }}&v={{ $value }}&f={{feature}}';
    expect(renderTemplate(url, values, { labels, encode: true })).toBe('https://grafana/d/x?var-model=fraud&var-dep=canary%2Feu%20west&v=0.312345678&f=amount');
  });

  it('{{- and -}} trim the whitespace beside them, as in Go templates', () => {
    expect(renderTemplate('a   {{- $labels.model -}}   b', values, { labels })).toBe('afraudb');
    expect(renderTemplate('a {{ $labels.model }} b', values, { labels })).toBe('a fraud b');
  });

  it('anything else between braces is a config error with its path', () => {
    expect(templateProblems('{{ $labels.model }} {{ .Labels.x }} {{ $value }} {{ .Value }} {{model}} {{labels.team}}')).toEqual([]);
    expect(templateProblems('{{ $value | humanize }}')[0]).toMatch(/unknown placeholder \{\{\$value \| humanize\}\} \(functions and pipelines are not supported\)/);
    expect(templateProblems('{{ $labels }}')).toHaveLength(1);
    expect(templateProblems('{{ .Annotations.summary }}')).toHaveLength(1);
    expect(templateProblems('{{nope}}')[0]).toMatch(/^unknown placeholder \{\{nope\}\}; known: \{\{ \$labels.<name> \}\}/);
    const r = alertsSchema.safeParse({ rules: [{ name: 'r', match: { metric: 'psi' }, thresholds: { warning: 0.1 }, annotations: { summary: '{{ $labels.model }} ok', runbook_url: 'https://rb?x={{ $lables.model }}' } }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.0.annotations.runbook_url']);
  });
});

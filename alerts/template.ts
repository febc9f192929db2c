// Placeholders in annotations and subjects, in the forms Prometheus and
// Alertmanager users write, plus driftwatch's own short form:
//   {{ $labels.model }}  {{ .Labels.model }}   a label of the alert
//   {{ $value }}         {{ .Value }}          the value, full precision
//   {{model}} {{value}} {{threshold}} ...     driftwatch's fields (value to 4 significant digits)
//   {{labels.team}}                            a label (driftwatch's older spelling)
// `{{-` and `-}}` trim the whitespace beside them, as in Go templates.
// Deliberately tiny: substitution only, no functions or pipelines; anything
// else between braces is reported when the config is loaded.

export const TEMPLATE_FIELDS: ReadonlySet<string> = new Set([
  'rule',
  'model',
  'version',
  'feature',
  'metric',
  'segment',
  'detector',
  'value',
  'threshold',
  'p_value',
  'severity',
  'status',
  'run_id',
  'run_at',
  'count',
  'alertname',
]);

const PLACEHOLDER = /(\s*)\{\{(-\s+|\s*)([^{}]*?)(\s+-|\s*)\}\}(\s*)/g;
const LABEL_REF = /^(?:\$labels\.|\.Labels\.|labels\.)([A-Za-z_][A-Za-z0-9_]*)$/;
const VALUE_REF = /^(?:\$value|\.Value)$/;

type Ref = { kind: 'field'; name: string } | { kind: 'label'; name: string } | { kind: 'value' };

function resolve(expr: string): Ref | null {
  const label = LABEL_REF.exec(expr);
  if (label) return { kind: 'label', name: label[1] ?? '' };
  if (VALUE_REF.test(expr)) return { kind: 'value' };
  if (TEMPLATE_FIELDS.has(expr)) return { kind: 'field', name: expr };
  return null;
}

/** Every placeholder expression of a text, as written between the braces. */
export function templateNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[3] ?? '');
}

/** Why a text is not a valid template: one message per placeholder that is not understood. */
export function templateProblems(text: string): string[] {
  const out: string[] = [];
  for (const expr of templateNames(text)) {
    if (resolve(expr)) continue;
    const hint = expr.includes('|') || /^\w+\s/.test(expr) ? ' (functions and pipelines are not supported)' : '';
    out.push(
      `unknown placeholder {{${expr}}}${hint}; known: {{ $labels.<name> }}, {{ .Labels.<name> }}, {{ $value }}, {{ .Value }}, or driftwatch's {{name}} for ${[...TEMPLATE_FIELDS].join(', ')}, labels.<name>`,
    );
  }
  return out;
}

export type TemplateValues = Record<string, string | number | null | undefined>;

function formatValue(v: string | number | null | undefined, full = false): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return full || Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return v;
}

/** Substitute placeholders (labels from `labels`); `encode` URL-encodes each value (for link annotations). An unknown placeholder renders as ''. */
export function renderTemplate(text: string, values: TemplateValues, opts: { labels?: Readonly<Record<string, string>>; encode?: boolean } = {}): string {
  const encode = opts.encode ?? false;
  return text.replace(PLACEHOLDER, (_all, before: string, open: string, expr: string, close: string, after: string) => {
    const ref = resolve(expr);
    const raw = ref === null ? '' : ref.kind === 'label' ? formatValue(opts.labels?.[ref.name]) : ref.kind === 'value' ? formatValue(values.value, true) : formatValue(values[ref.name]);
    const s = encode ? encodeURIComponent(raw) : raw;
    return `${open.startsWith('-') ? '' : before}${s}${close.endsWith('-') ? '' : after}`;
  });
}

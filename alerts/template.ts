// `{{name}}` placeholders in annotations and subjects. Deliberately tiny: no
// logic, only substitution, checked against the known names at config load.

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

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

export function templateNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

export type TemplateValues = Record<string, string | number | null | undefined>;

function formatValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return v;
}

/** Substitute placeholders (`{{labels.x}}` from `labels`); `encode` URL-encodes each value (for link annotations). */
export function renderTemplate(text: string, values: TemplateValues, opts: { labels?: Readonly<Record<string, string>>; encode?: boolean } = {}): string {
  const encode = opts.encode ?? false;
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const raw = name.startsWith('labels.') ? opts.labels?.[name.slice(7)] : values[name];
    const s = formatValue(raw);
    return encode ? encodeURIComponent(s) : s;
  });
}

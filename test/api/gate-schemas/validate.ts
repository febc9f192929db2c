// A small JSON Schema checker for the vendored schema subsets in this folder
// (the CRDs' OpenAPI v3 schemas and SchemaStore's workflow schema use only
// these keywords here): type, required, properties, additionalProperties,
// patternProperties, items, minItems, minProperties, enum, pattern, format
// (ignored), anyOf, oneOf. Returns every problem with its path.
export interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  minItems?: number;
  minProperties?: number;
  enum?: unknown[];
  pattern?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  const got = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, got))) return [`${path}: expected ${types.join(' or ')}, got ${got}`];
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (schema.anyOf && !schema.anyOf.some((s) => validate(s, value, path).length === 0)) errors.push(`${path}: matches none of anyOf`);
  if (schema.oneOf) {
    const n = schema.oneOf.filter((s) => validate(s, value, path).length === 0).length;
    if (n !== 1) errors.push(`${path}: matches ${n} of oneOf (exactly one expected)`);
  }
  if (got === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push(`${path}: missing required ${k}`);
    if (schema.minProperties !== undefined && Object.keys(obj).length < schema.minProperties) errors.push(`${path}: fewer than ${schema.minProperties} properties`);
    for (const [k, v] of Object.entries(obj)) {
      const at = `${path}.${k}`;
      const prop = schema.properties?.[k];
      const patterned = Object.entries(schema.patternProperties ?? {}).filter(([re]) => new RegExp(re).test(k));
      if (prop) errors.push(...validate(prop, v, at));
      for (const [, s] of patterned) errors.push(...validate(s, v, at));
      if (!prop && patterned.length === 0 && schema.additionalProperties !== undefined) {
        if (schema.additionalProperties === false) errors.push(`${at}: not allowed`);
        else if (schema.additionalProperties !== true) errors.push(...validate(schema.additionalProperties, v, at));
      }
    }
  }
  if (got === 'array') {
    const arr = value as unknown[];
    if (schema.minItems !== undefined && arr.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) arr.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, `${path}[${i}]`)));
  }
  return errors;
}

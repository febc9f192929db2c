// The README's code blocks, as tests use them: extracted verbatim, with the
// section they sit in and their line, plus the few rewrites a test needs to
// run an example on this machine (hosts of example.com services point at
// loopback receivers, a secret file path at a temp file). Every rewrite
// asserts that its text still appears in the README, so an edited example
// fails here instead of silently running unrewritten.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const README_PATH = resolve(import.meta.dirname, '../../README.md');
export const README = readFileSync(README_PATH, 'utf8');

export interface Block {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The nearest heading above the block. */
  section: string;
  /**
   * An HTML comment on the line just above the fence, e.g.
   * `<!-- not-driftwatch-config -->` on a Kubernetes snippet.
   */
  note?: string;
}

/** Marks a YAML block that is not driftwatch.yaml (Kubernetes, Argo, ...). */
export const NOT_CONFIG = 'not-driftwatch-config';

export function blocks(lang?: string): Block[] {
  const out: Block[] = [];
  const lines = README.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^#{1,6} /.test(l)) section = l.replace(/^#+ /, '');
    const open = /^```(\w*)\s*$/.exec(l);
    if (!open) continue;
    const start = i;
    const note = /^<!--\s*(.*?)\s*-->$/.exec(lines[i - 1] ?? '')?.[1];
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({ lang: open[1] ?? '', text: body.join('\n') + '\n', line: start + 1, section, ...(note ? { note } : {}) });
  }
  return lang === undefined ? out : out.filter((b) => b.lang === lang);
}

/** The blocks of `lang` in the section named `section`. */
export function blocksIn(lang: string, section: string): Block[] {
  return blocks(lang).filter((b) => b.section === section);
}

/** The one block of `lang` in the section named `section`. */
export function block(lang: string, section: string): Block {
  const found = blocksIn(lang, section);
  if (found.length !== 1) throw new Error(`expected one ${lang} block in README section "${section}", found ${found.length}`);
  return found[0]!;
}

export type Rewrites = ReadonlyArray<readonly [from: string, to: string]>;

/** Apply text rewrites to an example; each `from` must occur in it. */
export function rewrite(text: string, rewrites: Rewrites): string {
  let out = text;
  for (const [from, to] of rewrites) {
    if (!out.includes(from)) throw new Error(`README example no longer contains ${JSON.stringify(from)}; update the test's rewrites`);
    out = out.split(from).join(to);
  }
  return out;
}

export function yamlOf(text: string): Record<string, unknown> {
  const doc = parseYaml(text) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('a README YAML block must hold a mapping');
  return doc as Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const named = (v: unknown): v is Obj & { name: string } => isObj(v) && typeof v.name === 'string';

/**
 * Merge a README fragment into a config: mappings merge key by key; lists of
 * named entries (rules, receivers, actions, jobs) merge by name, the
 * fragment's entry replacing one of the same name; other lists are replaced.
 */
export function mergeConfig(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (isObj(v) && isObj(b)) out[k] = mergeConfig(b, v);
    else if (Array.isArray(v) && Array.isArray(b) && v.every(named) && b.every(named)) {
      const list = [...b];
      for (const item of v) {
        const at = list.findIndex((x) => x.name === item.name);
        if (at >= 0) list[at] = item;
        else list.push(item);
      }
      out[k] = list;
    } else out[k] = v;
  }
  return out;
}

/** Names of the ${ENV} references in a text. */
export function envRefs(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))];
}

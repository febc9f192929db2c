// No function in the product is over 120 lines (issue 14): a long function is
// where logic gets written twice and where a reader loses the thread. The
// check walks every function-like node of src/, detectors/ and alerts/ with
// the TypeScript parser, so it counts a nested arrow on its own too.
import ts from 'typescript';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const ROOTS = ['src', 'detectors', 'alerts'];
const MAX_LINES = 120;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `file:line (n lines)` for every function longer than `max` lines in `text`. */
export function longFunctions(file: string, text: string, max: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body !== undefined) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (last - first + 1 > max) found.push(`${file}:${first + 1} (${last - first + 1} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('function length', () => {
  it('finds a long function (the check can fail)', () => {
    const body = Array.from({ length: 130 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `export function f(): void {\n${body}\n}\n`, MAX_LINES)).toEqual(['x.ts:1 (132 lines)']);
    expect(longFunctions('x.ts', `const g = () => {\n${body}\n};\n`, MAX_LINES)).toHaveLength(1);
  });

  it(`no function in ${ROOTS.join(', ')} is over ${MAX_LINES} lines`, () => {
    const long = ROOTS.flatMap((r) => tsFiles(join(REPO, r)).flatMap((f) => longFunctions(relative(REPO, f), readFileSync(f, 'utf8'), MAX_LINES)));
    expect(long).toEqual([]);
  });
});

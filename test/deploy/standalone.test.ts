// A user's clone has nothing beside it: no tracked file may reach outside the
// repository for fixtures or docs (CI also runs from a lone clone).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('the repository stands alone', () => {
  it('no tracked file refers to ../shared', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    const offenders = files
      .filter((f) => /\.(ts|mjs|js|md|sh|json|yml|yaml)$/.test(f) && f !== 'test/deploy/standalone.test.ts')
      .filter((f) => {
        try {
          return readFileSync(join(ROOT, f), 'utf8').includes('../shared');
        } catch {
          return false; // deleted in the working tree
        }
      });
    expect(offenders).toEqual([]);
  });

  it('keeps its oracle cases and statistics docs inside the repo', () => {
    const cases = execFileSync('git', ['ls-files', 'test/fixtures/oracles'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    expect(cases.filter((f) => f.endsWith('expected.json')).length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(join(ROOT, 'docs/statistics.md'), 'utf8')).toMatch(/## Tolerances/);
  });
});

// `npm ci` (npm 11) refuses a lock that lacks any platform package named in
// an optionalDependencies map; scripts/complete-lockfile.mjs fills them in.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('package-lock.json', () => {
  it('has an entry for every optional platform package (run `npm run lock:complete` after npm install)', () => {
    const lock = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const entry of Object.values(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) if (!lock.packages[`node_modules/${dep}`]) missing.push(dep);
    }
    expect(missing).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown, DOCS_BEGIN, DOCS_END } from '../../src/config/docs.ts';

describe('README configuration reference', () => {
  it('matches the schema (run `npm run docs:config` after changing the schema)', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const start = readme.indexOf(DOCS_BEGIN);
    const end = readme.indexOf(DOCS_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + DOCS_BEGIN.length, end).trim()).toBe(configReferenceMarkdown().trim());
  });

  it('documents every error code of the catalogue', async () => {
    const { ERROR_CODES } = await import('../../src/core/errors.ts');
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(readme, code).toContain(`\`${code}\``);
  });
});

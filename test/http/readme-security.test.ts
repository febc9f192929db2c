// The README's Security examples validate against the config schema: the
// scoped tokens (the token_file path swapped for a temporary file) and the
// read-only SQL user.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { configuredTokens } from '../../src/http/tokens-config.ts';
import { tempDir } from '../../testkit/tmp.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const security = readme.slice(readme.indexOf('## Security'), readme.indexOf('## Configuration\n'));

describe('README Security section', () => {
  it('the scoped-token example is a valid config with the scopes it describes', () => {
    const block = /<!-- security-tokens:begin -->\n```yaml\n([\s\S]*?)```/.exec(security)![1]!;
    const dir = tempDir('dw-readme-sec-');
    const file = join(dir.path, 'read-token');
    writeFileSync(file, 'grafana-token-0123456789\n');
    Object.assign(process.env, { DW_INGEST_TOKEN: 'ingest-token-0123456789', DW_ADMIN_TOKEN: 'admin-token-0123456789' });
    try {
      const config = parseConfig(parse(block.replace('/run/secrets/driftwatch-read-token', file)));
      expect(configuredTokens(config.http).map((t) => [t.name, [...t.scopes]])).toEqual([
        ['model-servers', ['ingest']],
        ['grafana', ['read']],
        ['ops', ['read', 'admin']],
      ]);
      expect(configuredTokens(config.http)[1]?.token.reveal()).toBe('grafana-token-0123456789');
    } finally {
      dir.remove();
    }
  });

  it('the read-only SQL user example is a valid config', () => {
    const block = /```yaml\n(\s*http:\n\s*sql:[\s\S]*?)```/.exec(security)![1]!;
    process.env.DW_SQL_PASSWORD = 'pw';
    const config = parseConfig(parse(block.replace(/^ {3}/gm, '')));
    expect(config.http.sql.username).toBe('driftwatch_sql');
    expect(config.http.sql.password?.reveal()).toBe('pw');
  });

  it('lists every scope and names the file with the route table', () => {
    for (const s of ['`ingest`', '`read`', '`admin`', 'src/http/scopes.ts', 'deploy/clickhouse/readonly-user.sql', 'baselines.import_dir', 'runAsNonRoot']) expect(security).toContain(s);
  });
});

describe('config validation of tokens', () => {
  const base = { kafka: { enabled: false } };
  it.each([
    [{ tokens: [{ name: 'a', token: '${DW_SHORT}', scopes: ['read'] }] }, /at least 16 characters/],
    [{ tokens: [{ name: 'a', scopes: ['read'] }] }, /exactly one of token or token_file/],
    [{ tokens: [{ name: 'a', token: '${DW_LONG}', scopes: [] }] }, /at least one scope/],
    [{ tokens: [{ name: 'a', token: '${DW_LONG}', scopes: ['root'] }] }, /scopes/],
    [{ tokens: [{ name: 'a', token: '${DW_LONG}', scopes: ['read'] }, { name: 'a', token: '${DW_LONG2}', scopes: ['admin'] }] }, /used twice/],
    [{ tokens: [{ name: 'a', token: '${DW_LONG}', scopes: ['read'] }, { name: 'b', token: '${DW_LONG}', scopes: ['admin'] }] }, /configured twice/],
    [{ tokens: [{ name: 'has space', token: '${DW_LONG}', scopes: ['read'] }] }, /letters, digits/],
    [{ tokens: [{ name: 'a', token: 'literal-secret-0123456789', scopes: ['read'] }] }, /literal secrets are not accepted/],
  ])('%j is refused', (http, why) => {
    Object.assign(process.env, { DW_SHORT: 'short', DW_LONG: 'long-token-0123456789', DW_LONG2: 'other-token-0123456789' });
    expect(() => parseConfig({ ...base, http })).toThrow(why);
  });
});

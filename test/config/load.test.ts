import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/core/config/secret.ts';
import { DriftwatchError } from '../../src/core/errors.ts';
import { tempDir } from '../../testkit/tmp.ts';

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

function write(name: string, text: string): string {
  const p = join(dir.path, name);
  writeFileSync(p, text);
  return p;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DriftwatchError);
    return ((e as DriftwatchError).details?.problems as string[]) ?? [(e as Error).message];
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('uses all defaults when the default file does not exist', () => {
    const { config, source } = loadConfig({ env: {}, path: undefined });
    expect(source).toBeNull();
    expect(config.http.port).toBe(8080);
    expect(config.data_dir).toBe('./data');
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.detectors.min_samples).toBe(500);
  });

  it('fails when an explicitly named file does not exist', () => {
    expect(() => loadConfig({ path: join(dir.path, 'nope.yaml'), env: {} })).toThrow(/does not exist/);
  });

  it('reports invalid YAML as DW_CONFIG_READ', () => {
    const p = write('bad.yaml', 'http:\n  port: [1,\n');
    try {
      loadConfig({ path: p, env: {} });
      expect.unreachable();
    } catch (e) {
      expect((e as DriftwatchError).code).toBe('DW_CONFIG_READ');
    }
  });

  it('lists every problem with its path, unknown keys included', () => {
    const p = write('c.yaml', ['http:', '  port: http', '  colour: blue', 'clickhouse:', '  url: not a url', 'kafka:', '  brokers: [nohost]', 'bogus: 1'].join('\n'));
    const problems = problemsOf(() => loadConfig({ path: p, env: {} }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^http\.port: /),
        'http.colour: unknown key',
        expect.stringMatching(/^clickhouse\.url: /),
        expect.stringMatching(/^kafka\.brokers\[0\]: must be host:port/),
        'bogus: unknown key',
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('applies DRIFTWATCH_ env overrides with types, on top of the file', () => {
    const p = write('c.yaml', 'http:\n  port: 9000\n');
    const { config, envOverrides } = loadConfig({
      path: p,
      env: { DRIFTWATCH_HTTP__PORT: '9100', DRIFTWATCH_KAFKA__ENABLED: 'false', DRIFTWATCH_KAFKA__BROKERS: 'a:1, b:2', DRIFTWATCH_DATA_DIR: '/tmp/x' },
    });
    expect(config.http.port).toBe(9100);
    expect(config.kafka.enabled).toBe(false);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.data_dir).toBe('/tmp/x');
    expect(envOverrides.sort()).toEqual(['data_dir', 'http.port', 'kafka.brokers', 'kafka.enabled']);
  });

  it('an invalid env override is reported with its config path', () => {
    const problems = problemsOf(() => loadConfig({ env: { DRIFTWATCH_HTTP__PORT: 'abc' } }));
    expect(problems).toEqual([expect.stringMatching(/^http\.port: /)]);
  });

  it('resolves ${ENV} secrets and *_file secrets, and refuses literal secrets', () => {
    const secretFile = write('pw', 's3cret-from-file\n');
    process.env.DW_TEST_TOKEN = 'tok-123';
    try {
      const c = parseConfig({ http: { auth_token: '${DW_TEST_TOKEN}' }, clickhouse: { url: 'http://127.0.0.1:8123', password_file: secretFile } });
      expect(c.http.auth_token).toBeInstanceOf(Secret);
      expect(c.http.auth_token?.reveal()).toBe('tok-123');
      expect(c.clickhouse.password_file?.reveal()).toBe('s3cret-from-file');
      expect(JSON.stringify(c)).not.toMatch(/tok-123|s3cret/);
    } finally {
      delete process.env.DW_TEST_TOKEN;
    }
    expect(problemsOf(() => parseConfig({ clickhouse: { password: 'hunter2' } }))).toEqual([expect.stringMatching(/^clickhouse\.password: must be a reference/)]);
    expect(problemsOf(() => parseConfig({ clickhouse: { password: '${DW_UNSET_VAR_XYZ}' } }))).toEqual(['clickhouse.password: environment variable DW_UNSET_VAR_XYZ is not set']);
    expect(problemsOf(() => parseConfig({ clickhouse: { password_file: join(dir.path, 'missing') } }))[0]).toMatch(/^clickhouse\.password_file: cannot read secret file/);
  });

  it('freezes the result', () => {
    const { config } = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

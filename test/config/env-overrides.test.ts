import { describe, expect, it } from 'vitest';
import { applyEnvOverrides } from '../../src/config/env-overrides.ts';

describe('applyEnvOverrides', () => {
  it('maps double underscores to nesting and keeps scalar types', () => {
    const { config } = applyEnvOverrides({ http: { host: 'x' } }, { DRIFTWATCH_HTTP__PORT: '81', DRIFTWATCH_LOG__LEVEL: 'debug', OTHER: '1' });
    expect(config).toEqual({ http: { host: 'x', port: 81 }, log: { level: 'debug' } });
  });

  it('does not mutate its input', () => {
    const raw = { http: { port: 1 } };
    applyEnvOverrides(raw, { DRIFTWATCH_HTTP__PORT: '2' });
    expect(raw.http.port).toBe(1);
  });
});

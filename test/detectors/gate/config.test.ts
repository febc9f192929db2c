// The `gates` section: a built-in default policy, checks chosen by listing
// them, strict keys, and the cross-section rule that a rollback_action names
// an alerts.actions entry of type rollback.
import { describe, expect, it } from 'vitest';
import { builtinPolicy, enabledChecks, findPolicy, gatesSchema } from '../../../detectors/gate/config.ts';
import { parseConfig } from '../../../src/config/load.ts';

const action = (name: string, type: 'rollback' | 'retrain') => ({ name, type, url: 'http://127.0.0.1:9/hook', secret_file: import.meta.filename });

describe('gates config', () => {
  it('with nothing configured the default policy exists and runs every check', () => {
    const gates = parseConfig({}).gates;
    expect(gates).toEqual({ default_policy: 'default', policies: [] });
    const p = findPolicy(gates);
    expect(p).toEqual(builtinPolicy());
    expect(p).toMatchObject({ name: 'default', alpha: 0.05, min_samples: 500, tight_at: 10_000, max_duration: '30m', on_timeout: 'fail', window: '24h', critical_features: [] });
    expect(enabledChecks(p!)).toHaveLength(7);
    expect(p!.checks).toMatchObject({ latency_p95_ratio: { threshold: 1.2 }, error_rate_increase: { threshold: 0.005 }, quality: { threshold: 0.02, mae_ratio: 1.1 } });
    expect(findPolicy(gates, 'nope')).toBeNull();
  });

  it('a policy runs the checks it lists, with their defaults filled in', () => {
    const gates = gatesSchema.parse({ default_policy: 'canary', policies: [{ name: 'canary', checks: { error_rate_increase: {}, latency_p95_ratio: { threshold: 1.5 } }, critical_features: ['amount'] }] });
    const p = findPolicy(gates)!;
    expect(enabledChecks(p)).toEqual(['latency_p95_ratio', 'error_rate_increase']);
    expect(p.checks.error_rate_increase).toEqual({ threshold: 0.005 });
    // "default" stays built in next to the configured policies.
    expect(findPolicy(gates, 'default')?.name).toBe('default');
  });

  it('refuses typos, duplicates, an unknown default and impossible numbers, with paths', () => {
    const problems = (gates: unknown): string[] => {
      try {
        parseConfig({ gates });
        return [];
      } catch (e) {
        return (e as { details: { problems: string[] } }).details.problems;
      }
    };
    expect(problems({ policies: [{ name: 'a', chekcs: {} }] })).toEqual(['gates.policies[0].chekcs: unknown key']);
    expect(problems({ policies: [{ name: 'a' }, { name: 'a' }] })).toEqual(['gates.policies[1].name: duplicate policy name a']);
    expect(problems({ default_policy: 'b', policies: [{ name: 'a' }] })).toEqual(['gates.default_policy: unknown policy b (policies: a)']);
    expect(problems({ policies: [{ name: 'a', alpha: 0.7, on_timeout: 'maybe', checks: { latency_p95_ratio: { threshold: 0.5 } } }] })).toHaveLength(3);
  });

  it('rollback_action must name an alerts.actions entry of type rollback', () => {
    const cfg = (name: string) => ({ alerts: { actions: [action('rb', 'rollback'), action('rt', 'retrain')] }, gates: { policies: [{ name: 'p', rollback_action: name }] } });
    expect(parseConfig(cfg('rb')).gates.policies[0]?.rollback_action).toBe('rb');
    expect(() => parseConfig(cfg('rt'))).toThrow(/gates\.policies\[0\]\.rollback_action: action rt is of type retrain, not rollback/);
    expect(() => parseConfig(cfg('zz'))).toThrow(/gates\.policies\[0\]\.rollback_action: unknown action zz \(rollback actions: rb\)/);
  });
});

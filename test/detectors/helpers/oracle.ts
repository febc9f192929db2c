// The oracle cases in test/fixtures/oracles and the tolerances docs/statistics.md holds
// every number to.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const ORACLE_DIR = resolve(REPO_ROOT, 'test/fixtures/oracles');

export interface OracleCase {
  name: string;
  reference: string;
  current: string;
  expected: Record<string, unknown>;
}

export function oracleCases(): OracleCase[] {
  if (!existsSync(ORACLE_DIR)) return [];
  return readdirSync(ORACLE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ORACLE_DIR, d.name, 'expected.json')))
    .map((d) => {
      const dir = join(ORACLE_DIR, d.name);
      return {
        name: d.name,
        reference: join(dir, 'reference.csv'),
        current: join(dir, 'current.csv'),
        expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, unknown>,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Within 1e-6 relative or 1e-9 absolute. */
export function close(actual: unknown, expected: unknown, what: string, rel = 1e-6, abs = 1e-9): void {
  if (expected === null || expected === undefined) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(typeof actual, `${what}: ${String(actual)} is not a number`).toBe('number');
  const a = actual as number;
  const e = expected as number;
  const ok = Math.abs(a - e) <= abs || Math.abs(a - e) <= rel * Math.abs(e);
  expect(ok, `${what}: got ${a}, expected ${e} (diff ${Math.abs(a - e)})`).toBe(true);
}

type Obj = Record<string, unknown>;

/** Every number, type, list and severity of `expected` held to the contract's tolerances. */
/**
 * `large`: the large-window path, held to its tolerances (ks.d within 1e-6, Wasserstein within 1e-3 relative and
 * within its own reported error bound, which must be at most 1e-3 relative itself).
 */
export function expectMatchesOracle(actualReport: unknown, expected: Obj, label: string, o: { large?: boolean } = {}): void {
  const actual = actualReport as Obj;
  expect((actual.reference as Obj).rows, `${label} reference.rows`).toBe((expected.reference as Obj).rows);
  expect((actual.current as Obj).rows, `${label} current.rows`).toBe((expected.current as Obj).rows);
  expect(actual.schema, `${label} schema`).toEqual(expected.schema);
  const features = actual.features as Obj[];
  const expFeatures = expected.features as Obj[];
  expect(features.map((f) => f.name), `${label} feature names`).toEqual(expFeatures.map((f) => f.name));
  for (const ef of expFeatures) {
    const f = features.find((x) => x.name === ef.name) as Obj;
    const at = `${label}/${String(ef.name)}`;
    expect(f.type, `${at} type`).toBe(ef.type);
    expect(f.n_ref, `${at} n_ref`).toBe(ef.n_ref);
    expect(f.n_cur, `${at} n_cur`).toBe(ef.n_cur);
    for (const k of ['missing_ref', 'missing_cur', 'psi', 'js'] as const) if (k in ef) close(f[k], ef[k], `${at} ${k}`);
    if ('wasserstein' in ef) {
      close(f.wasserstein, ef.wasserstein, `${at} wasserstein`, o.large ? 1e-3 : 1e-6);
      if (o.large && typeof ef.wasserstein === 'number' && typeof f.wasserstein === 'number') {
        const bound = f.wasserstein_error_bound as number;
        expect(Math.abs(f.wasserstein - ef.wasserstein), `${at} wasserstein within its error bound ${bound}`).toBeLessThanOrEqual(bound + 1e-9 * Math.abs(ef.wasserstein) + 1e-12);
        expect(bound, `${at} wasserstein error bound`).toBeLessThanOrEqual(1e-3 * Math.abs(ef.wasserstein));
      }
    }
    expect(f.severity, `${at} severity`).toBe(ef.severity);
    if ('bin_edges' in ef) {
      const ee = ef.bin_edges as number[] | null;
      if (ee === null) expect(f.bin_edges ?? null, `${at} bin_edges`).toBeNull();
      else {
        const ae = f.bin_edges as number[];
        expect(ae.length, `${at} bin_edges length`).toBe(ee.length);
        ee.forEach((e, i) => close(ae[i], e, `${at} bin_edges[${i}]`));
      }
    }
    if ('ks' in ef) {
      const ek = ef.ks as Obj | null;
      if (ek === null) expect(f.ks ?? null, `${at} ks`).toBeNull();
      else {
        const ak = f.ks as Obj;
        expect(ak.method, `${at} ks.method`).toBe(ek.method);
        close(ak.d, ek.d, `${at} ks.d`, 0, o.large ? 1e-6 : 1e-9);
        close(ak.p_value, ek.p_value, `${at} ks.p_value`, 0, ek.method === 'exact' ? 1e-6 : 0.005);
      }
    }
    if ('chi2' in ef) {
      const ec = ef.chi2 as Obj | null;
      if (ec === null) expect(f.chi2 ?? null, `${at} chi2`).toBeNull();
      else {
        const ac = f.chi2 as Obj;
        close(ac.statistic, ec.statistic, `${at} chi2.statistic`);
        close(ac.p_value, ec.p_value, `${at} chi2.p_value`);
        expect(ac.dof, `${at} chi2.dof`).toBe(ec.dof);
      }
    }
    if ('categories' in ef) expect(f.categories, `${at} categories`).toEqual(ef.categories);
    if ('new_categories' in ef) expect(f.new_categories, `${at} new_categories`).toEqual(ef.new_categories);
  }
  expect(actual.drifted, `${label} drifted`).toEqual(expected.drifted);
}

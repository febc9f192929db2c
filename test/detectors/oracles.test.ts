// Every oracle case in test/fixtures/oracles (computed with numpy and scipy from
// docs/statistics.md), held to the contract's tolerances along three paths: the
// in-memory reference implementation, the pushed-down engine path of
// `driftwatch compare`, and the engine's large-sample path (grid cells)
// forced on, held to the large-window tolerances (D exact here, Wasserstein
// within its reported bound).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareFiles } from '../../detectors/compare/run.ts';
import { compareInMemory } from '../../detectors/report/in-memory.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';
import { readCsvTable } from './helpers/csv.ts';
import { expectMatchesOracle, ORACLE_DIR, oracleCases } from './helpers/oracle.ts';

const cases = oracleCases();

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => cleanup());

describe('oracle cases', () => {
  it(`are present in ${ORACLE_DIR}`, () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    describe(c.name, () => {
      it('in-memory reference implementation', () => {
        const report = compareInMemory(readCsvTable(c.reference), readCsvTable(c.current));
        expectMatchesOracle(report, c.expected, `${c.name} (in memory)`);
      });

      it('pushed down to the engine (driftwatch compare)', async () => {
        const report = await compareFiles(store, { reference: c.reference, current: c.current });
        expectMatchesOracle(report, c.expected, `${c.name} (engine)`);
      });

      it('engine, large-sample path forced and refined', async () => {
        const report = await compareFiles(store, { reference: c.reference, current: c.current, exactLimit: 0 });
        expectMatchesOracle(report, c.expected, `${c.name} (engine, cells)`, { large: true });
        for (const f of report.features) {
          if (f.type !== 'numeric' || !f.ks) continue;
          expect(f.ecdf_method).toBe('binned');
          // Refined, D is exact: no error bound left.
          expect(f.ks.d_error_bound ?? 0).toBe(0);
        }
      });
    });
  }
});

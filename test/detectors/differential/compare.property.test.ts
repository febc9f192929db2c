// `driftwatch compare` on CSV, JSONL, Arrow and Parquet files, held to the
// reference implementation (test/detectors/reference) on adversarial tables.
// Seeded, with a fixed budget; every counterexample a run found is a fixed
// case in test/regression/statistics.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { compareDisagreements, FORMATS } from '../reference/compare-path.ts';
import { tableSpec } from '../reference/tables.ts';

let store: Store;
let cleanup: () => Promise<void>;
const dir = tempDir('dw-prop-compare-');
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => {
  await cleanup?.();
  dir.remove();
});

describe('compare agrees with the reference implementation', () => {
  for (const format of FORMATS) {
    it(`on ${format} files`, async () => {
      await fc.assert(
        fc.asyncProperty(tableSpec({ large: format === 'csv' }), fc.constantFrom<number | undefined>(undefined, undefined, 0, 50), async (spec, exactLimit) => {
          const bad = await compareDisagreements(store, dir.path, spec, format, exactLimit);
          expect(bad, JSON.stringify({ spec, exactLimit })).toEqual([]);
        }),
        { seed: 20260523 + FORMATS.indexOf(format), numRuns: format === 'csv' ? 30 : 15, endOnFailure: true },
      );
    }, 300_000);
  }
});

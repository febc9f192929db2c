// The drift detector over logged events, held to the reference
// implementation on adversarial tables: events go through the ingest encoder
// into a temporary embedded store, the detector runs over the two windows.
// Seeded, with a fixed budget; counterexamples are fixed cases in
// test/regression/statistics.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { daemonDisagreements } from '../reference/daemon-path.ts';
import { tableSpec } from '../reference/tables.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup?.());

describe('the drift detector agrees with the reference implementation', () => {
  it('on events logged in two windows', async () => {
    await fc.assert(
      fc.asyncProperty(tableSpec({ large: true }), fc.constantFrom<number | undefined>(undefined, undefined, 0, 60), async (spec, exactLimit) => {
        const bad = await daemonDisagreements(store, spec, exactLimit);
        expect(bad, JSON.stringify({ spec, exactLimit })).toEqual([]);
      }),
      { seed: 20260601, numRuns: 30, endOnFailure: true },
    );
  }, 600_000);
});

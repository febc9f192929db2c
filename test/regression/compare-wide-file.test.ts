// bench:detect's wide shape (200k rows x 100 columns) made `driftwatch
// compare` fail: every large column's grid and pieces went into one query per
// refinement round, past the engine's limits ("Max query size exceeded",
// later "AST is too big"). Columns now go in groups (COLUMNS_PER_GROUP).
// Here 100 columns are forced onto the large-sample path on small files and
// held to the exact in-memory path with the large-window tolerances.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS_PER_GROUP } from '../../detectors/compare/large.ts';
import { compareFiles } from '../../detectors/compare/run.ts';
import { compareInMemory } from '../../detectors/report/in-memory.ts';
import type { NumericFeatureReport } from '../../detectors/report/types.ts';
import type { Store } from '../../src/core/store/store.ts';
import { rng } from '../../src/demo/traffic.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { readCsvTable } from '../detectors/helpers/csv.ts';
import { openTestStore } from '../helpers/store.ts';

const COLUMNS = 100;
let store: Store;
let cleanup: () => Promise<void>;
const dir = tempDir('dw-wide-');
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => {
  await cleanup();
  dir.remove();
});

function write(name: string, rows: number, seed: number, shift: number): string {
  const r = rng(seed);
  const lines = [Array.from({ length: COLUMNS }, (_, c) => `x${c}`).join(',')];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: COLUMNS }, (_, c) => ((r() + (c % 4 === 0 ? shift : 0)) * (c + 1)).toFixed(4)).join(','));
  const path = join(dir.path, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('compare on a wide file', () => {
  it(`${COLUMNS} large columns (more than ${COLUMNS_PER_GROUP} per query round would not fit) match the exact path`, async () => {
    const ref = write('ref.csv', 30_000, 1, 0);
    const cur = write('cur.csv', 25_000, 2, 0.05);
    const exact = compareInMemory(readCsvTable(ref), readCsvTable(cur));
    const binned = await compareFiles(store, { reference: ref, current: cur, exactLimit: 1000 });
    expect(binned.features).toHaveLength(COLUMNS);
    for (const e of exact.features as NumericFeatureReport[]) {
      const b = binned.features.find((f) => f.name === e.name) as NumericFeatureReport;
      expect(b.ecdf_method, e.name).toBe('binned');
      expect(Math.abs((b.ks?.d ?? 0) - (e.ks?.d ?? 0)), `${e.name} d`).toBeLessThanOrEqual(1e-6);
      const ew = e.wasserstein ?? 0;
      expect(Math.abs((b.wasserstein ?? 0) - ew), `${e.name} wasserstein`).toBeLessThanOrEqual(1e-3 * Math.abs(ew) + 1e-12);
    }
  }, 300_000);
});

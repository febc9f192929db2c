// The estimated accuracy drops on the day the traffic moves, a week before
// the labels that confirm it (testkit/before-labels.ts tells the story;
// scripts/estimate-before-labels.ts prints it day by day). On day 21 the
// estimate for day 20 alerts while label-based quality has no labels for
// it; on day 28 the labels are in: the quality monitor sees the drop, and
// the realized accuracy of day 20 lands inside the estimate's band.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatedJobSchema } from '../../../detectors/estimated/config.ts';
import { estimatedQuality } from '../../../detectors/estimated/estimated.ts';
import { DEFAULT_MONITOR_THRESHOLDS } from '../../../detectors/operational/context.ts';
import { qualityMonitor } from '../../../detectors/quality/quality.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runReadOnlySql } from '../../../src/api/sql.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { writeScores } from '../../../src/scheduler/run-store.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { DAY_MS, SHIFT_DAY, STORY_JOB, storyDay, storyLabels, storyPredictions } from '../../../testkit/before-labels.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details, pick } from '../operational/fixtures.ts';

let store: Store;
let cleanup: () => Promise<void>;
const job = estimatedJobSchema.parse(STORY_JOB);

/** What driftwatch reports on the morning of `today` about yesterday. */
async function morning(today: number): Promise<{ estimated: ScoreRow[]; quality: ScoreRow[] }> {
  const window = storyDay(today - 1);
  const runAt = new Date(storyDay(today).start.getTime() + 2 * 3_600_000);
  const estimated = await estimatedQuality(store, job, { runId: `e${today}`, runAt, window, signal: new AbortController().signal, minSamples: 500, logger: silentLogger });
  const quality = await qualityMonitor(store, { runId: `q${today}`, runAt, window, baseline: { kind: 'previous' }, model: 'fraud', thresholds: { ...DEFAULT_MONITOR_THRESHOLDS }, minCount: 500, labelHorizonMs: 7 * DAY_MS });
  return { estimated, quality };
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await storyPredictions(store);
  // By the morning of day 21 the labels of days 0-14 have arrived.
  for (let d = 0; d <= 14; d++) await storyLabels(store, d);
});
afterAll(async () => cleanup?.());

describe('an estimated accuracy drop before the labels', () => {
  it('day 21: the estimate for day 20 alerts; label-based quality has no labels for it', async () => {
    const { estimated, quality } = await morning(SHIFT_DAY + 1);
    const est = pick(estimated, 'v12', 'estimated_accuracy', '', 'fraud');
    expect(est.window_start).toBe(storyDay(SHIFT_DAY).start.toISOString());
    expect(est.status).toBe('alert');
    const d = details(est);
    expect((d.reference as number) - est.value!).toBeGreaterThan(0.1);
    expect(pick(quality, 'v12', 'accuracy', '', 'fraud').status).toBe('no_labels');
    // The day before the shift looked like the reference.
    const before = pick((await morning(SHIFT_DAY)).estimated, 'v12', 'estimated_accuracy', '', 'fraud');
    expect(before.status).toBe('ok');
  });

  it('day 28: the labels confirm it, inside the estimate\'s band', async () => {
    for (let d = 15; d <= SHIFT_DAY + 1; d++) await storyLabels(store, d);
    const { estimated } = await morning(SHIFT_DAY + 8);
    const realized = pick(estimated.filter((r) => r.window_start === storyDay(SHIFT_DAY).start.toISOString()), 'v12', 'realized_accuracy', '', 'fraud');
    const err = pick(estimated, 'v12', 'estimate_error', 'accuracy', 'fraud');
    expect(err.status).toBe('ok');
    expect(Math.abs(realized.value! - (details(realized).estimate as number))).toBeLessThanOrEqual(details(realized).band as number);
    // The quality monitor, re-run for day 20 now that its labels are in, sees the drop the estimate showed a week earlier.
    const runAt = new Date(storyDay(SHIFT_DAY + 8).start.getTime());
    const q = await qualityMonitor(store, { runId: 'q-late', runAt, window: storyDay(SHIFT_DAY), baseline: { kind: 'previous' }, model: 'fraud', thresholds: { ...DEFAULT_MONITOR_THRESHOLDS }, minCount: 500, labelHorizonMs: 7 * DAY_MS });
    const acc = pick(q, 'v12', 'accuracy', '', 'fraud');
    expect(acc.status).toBe('alert');
    expect(Math.abs(acc.value! - realized.value!)).toBeLessThan(1e-12);
  });

  it('the README query lines up estimated and realized accuracy by window', async () => {
    await writeScores(store, [...(await morning(SHIFT_DAY + 1)).estimated, ...(await morning(SHIFT_DAY + 8)).estimated]);
    const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const start = readme.indexOf('### Quality before labels');
    const section = readme.slice(start, readme.indexOf('### Champion vs canary', start));
    const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(queries).toHaveLength(1);
    const r = await runReadOnlySql(store, queries[0]!);
    const day20 = r.rows.filter((row) => String(row.window_start).startsWith(storyDay(SHIFT_DAY).start.toISOString().slice(0, 10)));
    expect(day20.map((row) => [row.metric, row.status])).toEqual([
      ['estimated_accuracy', 'alert'],
      ['realized_accuracy', 'ok'],
    ]);
  });
});

// Prints, morning by morning, what driftwatch knows about yesterday's
// fraud model in the "quality before labels" story (testkit/before-labels.ts):
// the estimated accuracy and its band, the label-based accuracy as far as
// labels have arrived, and once a window's labels are due the realized
// accuracy beside the estimate. The estimate drops on day 20; the labels
// confirm it on day 26/27.
//   npx tsx scripts/estimate-before-labels.ts
// It runs the detectors in process on an embedded store in a temporary
// directory (about half a minute).
import { estimatedJobSchema } from '../detectors/estimated/config.ts';
import { estimatedQuality } from '../detectors/estimated/estimated.ts';
import { DEFAULT_MONITOR_THRESHOLDS } from '../detectors/operational/context.ts';
import { qualityMonitor } from '../detectors/quality/quality.ts';
import { silentLogger } from '../src/core/log/logger.ts';
import type { ScoreRow } from '../src/core/score.ts';
import { openEmbeddedStore } from '../src/core/store/embedded.ts';
import { migrate } from '../src/core/store/migrate.ts';
import { DAY_MS, LABEL_DELAY_MS, LAST_DAY, STORY_JOB, storyDay, storyLabels, storyPredictions } from '../testkit/before-labels.ts';
import { tempDir } from '../testkit/tmp.ts';

const dir = tempDir('dw-before-labels-');
const store = await openEmbeddedStore({ path: dir.path, database: 'driftwatch' });
const f = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '-' : v.toFixed(digits));
const find = (rows: ScoreRow[], metric: string, feature = '') => rows.find((r) => r.metric === metric && r.feature === feature && r.segment === '');
try {
  await migrate(store, silentLogger);
  await storyPredictions(store);
  const job = estimatedJobSchema.parse(STORY_JOB);
  const labelDays = LABEL_DELAY_MS / DAY_MS;
  console.log('morning of | yesterday  | estimated accuracy (band) | status | label-based: yesterday | labels due for | label-based accuracy | estimate made then (band) | estimate_error');
  for (let today = 1; today <= LAST_DAY + 1; today++) {
    // Labels of day d arrive on day d + 6.
    if (today - labelDays - 1 >= 0) await storyLabels(store, today - labelDays - 1);
    if (today < 15) continue;
    const runAt = new Date(storyDay(today).start.getTime() + 2 * 3_600_000);
    const ctx = (window: { start: Date; end: Date }) => ({ runId: `r${today}`, runAt, window, signal: new AbortController().signal, minSamples: 500, logger: silentLogger });
    const quality = (window: { start: Date; end: Date }) =>
      qualityMonitor(store, { ...ctx(window), baseline: { kind: 'previous' }, model: 'fraud', thresholds: { ...DEFAULT_MONITOR_THRESHOLDS }, minCount: 500, labelHorizonMs: 7 * DAY_MS });
    // The estimated job on yesterday also realizes the window a week back.
    const est = await estimatedQuality(store, job, ctx(storyDay(today - 1)));
    const e = find(est, 'estimated_accuracy');
    const real = find(est, 'realized_accuracy');
    const rd = real ? (JSON.parse(real.details) as { estimate?: number; band?: number }) : {};
    const yesterday = find(await quality(storyDay(today - 1)), 'accuracy');
    const weekOld = real ? find(await quality({ start: new Date(real.window_start), end: new Date(real.window_end) }), 'accuracy') : undefined;
    console.log(
      [
        `day ${String(today).padStart(2)}    `,
        storyDay(today - 1).start.toISOString().slice(0, 10),
        `${f(e?.value)} (±${f(e ? (JSON.parse(e.details) as { band?: number }).band : null)})`.padEnd(25),
        (e?.status ?? '-').padEnd(6),
        (yesterday?.status === 'no_labels' ? 'no labels yet' : `${f(yesterday?.value)} ${yesterday?.status}`).padEnd(22),
        (real?.window_start.slice(0, 10) ?? '-').padEnd(14),
        `${f(weekOld?.value)} ${weekOld?.status ?? ''}`.padEnd(20),
        `${f(rd.estimate)} (±${f(rd.band)})`.padEnd(25),
        find(est, 'estimate_error', 'accuracy')?.status ?? '-',
      ].join(' | '),
    );
  }
} finally {
  await store.close();
  dir.remove();
}

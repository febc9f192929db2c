// The estimated-quality detector (CBPE) over one window. Per model with
// traffic and per version:
//  1. the calibration artifact fitted on the job's reference range (loaded,
//     or fitted and stored once the reference's labels are due);
//  2. estimates for the current window, per segment (rows.ts);
//  3. the window `realized_after` back, whose labels are due: realized
//     metrics beside the estimates of the same rows, and estimate_error.
// Every aggregate is computed by the engine (sums.ts, regression.ts); Node
// holds a few numbers per segment and class.
import type { DetectorContext } from '../../src/core/detector.ts';
import type { ScoreRow, TimeWindow } from '../../src/core/score.ts';
import type { Store } from '../../src/core/store/store.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import { DEFAULT_MONITOR_THRESHOLDS, type MonitorContext } from '../operational/context.ts';
import { loadDeploymentTags, withTags } from '../operational/tags.ts';
import type { QualityTask } from '../quality/context.ts';
import { modelTasks } from '../quality/task.ts';
import { loadArtifact, saveArtifact, type Artifact, type ArtifactKey } from './artifact.ts';
import type { EstimatedJob } from './config.ts';
import { classifierLayout, fitClassifier } from './fit.ts';
import { fitRegression, regressionSums } from './regression.ts';
import { classifierEstimateRows, classifierRealizedRows, referenceLabel, regressionEstimateRows, regressionRealizedRows, row, type RowContext } from './rows.ts';
import { rangeSource, segmentValuesSql, type RangeSpec } from './source.ts';
import { classifierSums } from './sums.ts';

interface Run {
  store: Store;
  job: EstimatedJob;
  ctx: DetectorContext;
  minCount: number;
  horizonMs: number;
}

export async function estimatedQuality(store: Store, job: EstimatedJob, ctx: DetectorContext): Promise<ScoreRow[]> {
  const run: Run = { store, job, ctx, minCount: job.min_count ?? ctx.minSamples, horizonMs: parseDuration(job.label_horizon) };
  const len = ctx.window.end.getTime() - ctx.window.start.getTime();
  const lag = Math.ceil(parseDuration(job.realized_after ?? job.label_horizon) / len) * len;
  const matured: TimeWindow = { start: new Date(ctx.window.start.getTime() - lag), end: new Date(ctx.window.end.getTime() - lag) };
  const out: ScoreRow[] = [];
  for (const [window, phase] of [
    [ctx.window, 'estimate'],
    [matured, 'realized'],
  ] as const) {
    const mctx = monitorContext(run, window);
    for (const { model, task } of await modelTasks(store, mctx)) {
      for (const version of await versionsIn(store, model, window, ctx.signal)) out.push(...(await versionRows(run, model, version, task, window, phase)));
    }
  }
  return withTags(out, await loadDeploymentTags(store, monitorContext(run, ctx.window)));
}

function monitorContext(run: Run, window: TimeWindow): MonitorContext & { tasks?: Record<string, QualityTask> } {
  const { job, ctx } = run;
  const tasks = job.task === 'auto' || !job.model ? undefined : { [job.model]: job.task };
  return { runId: ctx.runId, runAt: ctx.runAt, window, signal: ctx.signal, baseline: { kind: 'previous' }, thresholds: DEFAULT_MONITOR_THRESHOLDS, minCount: run.minCount, ...(job.model ? { model: job.model } : {}), ...(tasks ? { tasks } : {}) };
}

async function versionsIn(store: Store, model: string, w: TimeWindow, signal: AbortSignal): Promise<string[]> {
  const rows = await store.query<{ v: string }>(
    `SELECT DISTINCT model_version AS v FROM predictions
     WHERE model = {model:String} AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC') ORDER BY v`,
    { params: { model, start: w.start.getTime(), end: w.end.getTime() }, signal },
  );
  return rows.map((r) => r.v);
}

async function versionRows(run: Run, model: string, version: string, detected: QualityTask, window: TimeWindow, phase: 'estimate' | 'realized'): Promise<ScoreRow[]> {
  const { job, ctx, store } = run;
  const task = job.task === 'auto' ? detected : job.task;
  const rc: RowContext = { runId: ctx.runId, runAt: ctx.runAt, window, model, version, minCount: run.minCount, drop: job.thresholds.drop, errorRatio: job.thresholds.error_ratio, bandSigmas: job.thresholds.band_sigmas };
  const got = await artifactFor(run, model, version, task);
  if ('missing' in got) {
    if (phase === 'realized') return [];
    const metric = task === 'regression' ? 'estimated_mae' : 'estimated_accuracy';
    return [row(rc, got.label, { segment: '', metric, value: null, status: got.status, nRef: 0, nCur: 0, details: { reason: got.missing } })];
  }
  const a = got.artifact;
  const spec: RangeSpec = {
    model,
    version,
    start: window.start,
    end: window.end,
    segment: await segments(run, model, version, window),
    ...(phase === 'realized' ? { labels: { horizonMs: run.horizonMs, usable: a.task === 'regression' ? 'number' : 'class' } } : {}),
  };
  const src = rangeSource(spec);
  const out: ScoreRow[] = [];
  if (a.task === 'regression') {
    for (const s of (await regressionSums(store, src, a.calibrations[0]?.edges ?? [], ctx.signal)).values()) out.push(...(phase === 'estimate' ? regressionEstimateRows(rc, a, s) : regressionRealizedRows(rc, a, s)));
  } else {
    const ref = a.reference as Extract<Artifact['reference'], { classes: string[] }>;
    const layout = { task: ref.task, classes: ref.classes, positive: ref.positive, negative: ref.negative };
    for (const s of (await classifierSums(store, src, layout, a.calibrations, ctx.signal)).values()) out.push(...(phase === 'estimate' ? classifierEstimateRows(rc, a, s) : classifierRealizedRows(rc, a, s)));
  }
  return out;
}

async function segments(run: Run, model: string, version: string, w: TimeWindow): Promise<RangeSpec['segment']> {
  const tag = run.job.segment_by;
  if (!tag) return undefined;
  const rows = await run.store.query<{ v: string }>(segmentValuesSql(), {
    params: { seg_tag: tag, model, version, start: w.start.getTime(), end: w.end.getTime(), limit: run.job.max_segments },
    signal: run.ctx.signal,
  });
  return { tag, values: rows.map((r) => r.v) };
}

type ArtifactResult = { artifact: Artifact } | { missing: string; status: 'no_labels' | 'insufficient_data' | 'no_data'; label: string };

/** The artifact of the job's reference for this version: stored, or fitted now when its labels are due. */
async function artifactFor(run: Run, model: string, version: string, task: QualityTask): Promise<ArtifactResult> {
  const { job, ctx, store } = run;
  const range = await referenceRange(run, model, version);
  if (!range) return { missing: `version ${version} has no predictions yet`, status: 'no_data', label: 'reference' };
  const key: ArtifactKey = { detector: job.name, model, version, referenceFrom: range.start, referenceTo: range.end };
  const label = referenceLabel({ key });
  const stored = await loadArtifact(store, key, ctx.signal);
  if (stored) return { artifact: stored };
  const due = range.end.getTime() + run.horizonMs;
  if (due > ctx.runAt.getTime()) return { missing: `the reference's labels are due at ${new Date(due).toISOString()}; estimates start once it is calibrated`, status: 'no_labels', label };

  const src = rangeSource({ model, version, start: range.start, end: range.end, labels: { horizonMs: run.horizonMs, usable: task === 'regression' ? 'number' : 'class' } });
  const few = (n: number) => ({ missing: `the reference has ${n} labelled predictions, fewer than ${run.minCount}`, status: n === 0 ? ('no_labels' as const) : ('insufficient_data' as const), label });
  if (task === 'regression') {
    const fit = await fitRegression(store, src, job.residual_bins, ctx.signal);
    const n = fit?.calibration.nRef ?? 0;
    if (!fit || n < run.minCount) return few(n);
    return { artifact: await saveArtifact(store, { key, task: 'regression', calibrations: [fit.calibration], reference: fit.reference }) };
  }
  const layout = await classifierLayout(store, src, { positiveClass: job.positive_class, signal: ctx.signal });
  if (layout.layout === null) return layout.labelled === 0 ? few(0) : { missing: layout.reason, status: 'no_data', label };
  if (layout.labelled < run.minCount) return few(layout.labelled);
  const fit = await fitClassifier(store, src, layout.layout, { method: job.calibration, bins: job.calibration_bins, histogramBins: job.histogram_bins, folds: 5, positiveClass: job.positive_class, signal: ctx.signal });
  return { artifact: await saveArtifact(store, { key, task: layout.layout.task, calibrations: fit.calibrations, reference: fit.reference }) };
}

async function referenceRange(run: Run, model: string, version: string): Promise<TimeWindow | null> {
  const ref = run.job.reference;
  if (ref.type === 'range') return { start: new Date(ref.from), end: new Date(ref.to) };
  const [r] = await run.store.query<{ first: string | null }>(
    `SELECT toUnixTimestamp64Milli(min(first_seen)) AS first FROM version_lifetimes WHERE model = {model:String} AND model_version = {version:String} HAVING count() > 0`,
    { params: { model, version }, signal: run.ctx.signal },
  );
  if (!r || r.first === null) return null;
  const len = run.ctx.window.end.getTime() - run.ctx.window.start.getTime();
  const start = Math.floor(Number(r.first) / len) * len;
  return { start: new Date(start), end: new Date(start + parseDuration(ref.length)) };
}

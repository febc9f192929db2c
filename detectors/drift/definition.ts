// The drift detector as a registry entry: a `detectors.jobs[]` entry of kind
// drift (the default kind) runs runDrift over its window, then tags each row
// like every other detector does (the version's deployment tag, a segment
// row's own tag) so alert rules such as `tags: { deployment: canary }` match
// drift scores too.
import { defineDetector } from '../../src/core/detector.ts';
import { loadDeploymentTags, withTags } from '../operational/tags.ts';
import { driftJobSchema } from './config.ts';
import { runDrift } from './detector.ts';

export const driftDetector = defineDetector({
  kind: 'drift',
  summary: 'Feature, confidence and prediction drift against a baseline (PSI, JS, KS, Wasserstein, chi-square, missing values).',
  configSchema: driftJobSchema,
  async run(store, job, ctx) {
    const t0 = Date.now();
    const rows = await runDrift(
      store,
      {
        name: job.name,
        baseline: job.baseline,
        models: job.models,
        features: job.features,
        categorical: job.categorical,
        metrics: job.metrics,
        segmentBy: job.segment_by,
        maxSegments: job.max_segments,
        thresholds: job.thresholds,
        minSamples: job.min_samples ?? ctx.minSamples,
        exactLimit: job.exact_limit,
      },
      { runId: ctx.runId, runAt: ctx.runAt, window: ctx.window, signal: ctx.signal },
    );
    const tags = rows.length > 0 ? await loadDeploymentTags(store, { window: ctx.window, signal: ctx.signal }) : new Map();
    ctx.logger.debug('drift run done', { detector: job.name, run_id: ctx.runId, scores: rows.length, ms: Date.now() - t0 });
    return withTags(rows, tags);
  },
});

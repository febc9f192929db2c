// Detector jobs from config. The detectors themselves live in detectors/;
// this is the one place that turns `detectors.jobs` into DetectorJob objects.
import { runDrift } from '../../detectors/drift/detector.ts';
import type { MonitorJobConfig } from '../../detectors/monitor-config.ts';
import { DEFAULT_MONITOR_THRESHOLDS, type Baseline, type MonitorContext } from '../../detectors/operational/context.ts';
import { runOperationalMonitors } from '../../detectors/operational/monitors.ts';
import { qualityMonitor } from '../../detectors/quality/quality.ts';
import { shadowMonitor } from '../../detectors/versions/shadow.ts';
import type { DriftJobConfig } from '../../detectors/config.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import { parseDuration } from '../util/duration.ts';
import type { DetectorJob } from './job.ts';

export function driftJob(job: DriftJobConfig, defaults: { minSamples: number }, store: () => Store, logger: Logger): DetectorJob {
  return {
    name: job.name,
    schedule: job.schedule,
    windowMs: parseDuration(job.window),
    delayMs: parseDuration(job.delay),
    timeoutMs: parseDuration(job.timeout),
    async run(ctx) {
      const t0 = Date.now();
      const rows = await runDrift(
        store(),
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
          minSamples: job.min_samples ?? defaults.minSamples,
          exactLimit: job.exact_limit,
        },
        { runId: ctx.runId, runAt: ctx.runAt, window: ctx.window, signal: ctx.signal },
      );
      logger.debug('drift run done', { detector: job.name, run_id: ctx.runId, scores: rows.length, ms: Date.now() - t0 });
      return rows;
    },
  };
}

function monitorBaseline(b: MonitorJobConfig['baseline']): Baseline {
  switch (b.type) {
    case 'previous':
      return { kind: 'previous' };
    case 'same_hour_last_week':
      return { kind: 'same_hour_last_week' };
    case 'range':
      return { kind: 'range', start: new Date(b.from), end: new Date(b.to) };
    case 'version':
      return { kind: 'version', version: b.version };
  }
}

export function monitorJob(job: MonitorJobConfig, defaults: { minSamples: number }, store: () => Store): DetectorJob {
  return {
    name: job.name,
    schedule: job.schedule,
    windowMs: parseDuration(job.window),
    delayMs: parseDuration(job.delay),
    timeoutMs: parseDuration(job.timeout),
    async run(ctx) {
      const mc: MonitorContext = {
        runId: ctx.runId,
        runAt: ctx.runAt,
        window: ctx.window,
        signal: ctx.signal,
        baseline: monitorBaseline(job.baseline),
        ...(job.model ? { model: job.model } : {}),
        thresholds: { ...DEFAULT_MONITOR_THRESHOLDS },
        minCount: job.min_count ?? defaults.minSamples,
      };
      // Rows keep the monitors' own detector names (volume, latency, quality,
      // ...); run_id ties them to this job's run.
      if (job.kind === 'operational') return runOperationalMonitors(store(), mc);
      if (job.kind === 'quality') return qualityMonitor(store(), { ...mc, labelHorizonMs: parseDuration(job.label_horizon) });
      return shadowMonitor(store(), mc);
    },
  };
}

export function buildJobs(config: Config, store: () => Store, logger: Logger): DetectorJob[] {
  const defaults = { minSamples: config.detectors.min_samples };
  return [...config.detectors.jobs.map((j) => driftJob(j, defaults, store, logger)), ...config.detectors.monitors.map((m) => monitorJob(m, defaults, store))];
}

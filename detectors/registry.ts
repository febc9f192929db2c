// Every detector kind, listed once. The config schema of `detectors.jobs`,
// the scheduler, the CLI and the docs all read this list; adding a detector
// is one folder and one line here (CONTRIBUTING.md shows how).
import { z } from 'zod';
import type { Detector, JobConfigBase, JobSchema } from '../src/core/detector.ts';
import { driftDetector } from './drift/definition.ts';
import { estimatedQualityDetector } from './estimated/definition.ts';
import { operationalDetector } from './operational/definition.ts';
import { qualityDetector } from './quality/definition.ts';
import { stalenessDetector } from './staleness/definition.ts';
import { shadowDetector } from './versions/shadow-definition.ts';
import { trendDetector } from './trend/definition.ts';

export const DETECTORS = [driftDetector, operationalDetector, qualityDetector, shadowDetector, estimatedQualityDetector, trendDetector, stalenessDetector] as const;

type SchemasOf<T extends readonly Detector<JobSchema>[]> = { -readonly [K in keyof T]: T[K] extends Detector<infer S> ? S : never };

/** One job of any kind, discriminated by `kind`. */
export const detectorJobSchema = z.discriminatedUnion('kind', DETECTORS.map((d) => d.configSchema) as unknown as SchemasOf<typeof DETECTORS>);

export type DetectorJobConfig = z.output<typeof detectorJobSchema>;
export type DetectorKind = DetectorJobConfig['kind'];

export const DETECTOR_KINDS: readonly DetectorKind[] = DETECTORS.map((d) => d.kind);

const BY_KIND: ReadonlyMap<string, Detector> = new Map(DETECTORS.map((d) => [d.kind, d as unknown as Detector]));

/** The detector of a kind; throws for a kind no entry has (config validation makes that a bug). */
export function detectorFor(kind: string): Detector {
  const d = BY_KIND.get(kind);
  if (!d) throw new TypeError(`no detector of kind "${kind}" is registered (detectors/registry.ts)`);
  return d;
}

/** Run one job of any kind. */
export function runJob(store: Parameters<Detector['run']>[0], job: JobConfigBase, ctx: Parameters<Detector['run']>[2]) {
  return detectorFor(job.kind).run(store, job as never, ctx);
}

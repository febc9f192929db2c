// Shadow agreement as a registry entry.
import { z } from 'zod';
import { defineDetector, jobFields } from '../../src/core/detector.ts';
import { monitorContext, monitorFields } from '../monitor-config.ts';
import { shadowMonitor } from './shadow.ts';

export const shadowJobSchema = z.strictObject({
  kind: z.literal('shadow').describe('shadow: agreement of a shadow version with the live one on the same events.'),
  ...jobFields,
  ...monitorFields,
});

export const shadowDetector = defineDetector({
  kind: 'shadow',
  summary: 'Agreement between a shadow version and the live version on the same event_ids.',
  configSchema: shadowJobSchema,
  run: (store, job, ctx) => shadowMonitor(store, monitorContext(job, ctx)),
});

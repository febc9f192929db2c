// Version staleness (age since first prediction, days since training) as a registry entry.
import { defineDetector } from '../../src/core/detector.ts';
import { stalenessJobSchema } from './config.ts';
import { staleness } from './staleness.ts';

export const stalenessDetector = defineDetector({
  kind: 'staleness',
  summary: 'How long each live model version has served and how old its training data is, as scores rules can retrain on.',
  configSchema: stalenessJobSchema,
  run: (store, job, ctx) => staleness(store, job, ctx),
});

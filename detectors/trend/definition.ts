// Slow decay over weeks (CUSUM / Page-Hinkley on score histories) as a registry entry.
import { defineDetector } from '../../src/core/detector.ts';
import { trendJobSchema } from './config.ts';
import { runTrend } from './trend.ts';

export const trendDetector = defineDetector({
  kind: 'trend',
  summary: 'A change detector (CUSUM or Page-Hinkley) over the history of chosen scores: slow, steady decay that no single window flags.',
  configSchema: trendJobSchema,
  run: (store, job, ctx) => runTrend(store, job, ctx),
});

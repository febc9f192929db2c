// Shared by tests and scripts (never by the product).
// The "quality before labels" story on simulated traffic: a fraud model
// whose inputs move towards its decision boundary on day 20 (a new kind of
// traffic, no change in how the world works). Labels (chargebacks) arrive
// six days after each prediction. Reference: days 0-6, calibrated once
// their labels are due (day 14). The estimate drops on day 20; the labels
// that confirm it arrive on day 26.
import type { Store } from '../src/core/store/store.ts';
import { simulateLabels, simulateWindow, type SimWindow } from './simulated-model.ts';

export const DAY_MS = 86_400_000;
export const STORY_T0 = Date.parse('2026-09-01T00:00:00Z');
export const SHIFT_DAY = 20;
export const LAST_DAY = 27;
export const LABEL_DELAY_MS = 6 * DAY_MS;
export const PER_DAY = 2000;

export const storyDay = (d: number) => ({ start: new Date(STORY_T0 + d * DAY_MS), end: new Date(STORY_T0 + (d + 1) * DAY_MS) });

/** One simulated day: x ~ N(-1.5, 1) before the shift, N(0.3, 1) from SHIFT_DAY on (near the boundary x = 1/3). */
export function storyWindow(d: number): SimWindow {
  return { model: 'fraud', version: 'v12', start: storyDay(d).start, n: PER_DAY, lengthMs: DAY_MS, shift: d < SHIFT_DAY ? -1.5 : 0.3, seed: 2026, labels: { delayMs: LABEL_DELAY_MS } };
}

/** Every day's predictions; no labels yet. */
export async function storyPredictions(store: Store): Promise<void> {
  for (let d = 0; d <= LAST_DAY; d++) await simulateWindow(store, { ...storyWindow(d), labels: null });
}

/** The labels of day d (they arrive on day d + 6). */
export async function storyLabels(store: Store, d: number): Promise<void> {
  await simulateLabels(store, storyWindow(d));
}

/** The job of the story, as a driftwatch.yaml entry. */
export const STORY_JOB = {
  name: 'fraud-cbpe',
  kind: 'estimated_quality',
  model: 'fraud',
  window: '1d',
  reference: { type: 'range', from: storyDay(0).start.toISOString(), to: storyDay(7).start.toISOString() },
  label_horizon: '7d',
  thresholds: { drop: 0.02 },
} as const;

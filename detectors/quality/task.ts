// Classifier or regressor: configured per model, else read from the current
// predictions. Any prediction with probabilities, a confidence, or a value
// that is not a finite number makes the model a classifier; all-numeric
// predictions without scores make it a regressor.
import type { Store } from '../../src/core/store/store.ts';
import type { MonitorContext } from '../operational/context.ts';
import { sideFilter } from '../operational/sides.ts';
import type { QualityTask } from './context.ts';

/** Models with traffic in the current window, each with its task. */
export async function modelTasks(store: Store, ctx: MonitorContext & { tasks?: Readonly<Record<string, QualityTask>> }): Promise<Array<{ model: string; task: QualityTask }>> {
  const f = sideFilter(ctx, 'cur');
  const rows = await store.query<{ model: string; class_hints: number }>(
    `SELECT model, countIf(length(probabilities) > 0 OR confidence IS NOT NULL OR prediction_num IS NULL OR NOT isFinite(prediction_num)) AS class_hints
     FROM predictions WHERE ${f.sql} GROUP BY model ORDER BY model`,
    { params: f.params, signal: ctx.signal },
  );
  return rows.map((r) => ({ model: r.model, task: ctx.tasks?.[r.model] ?? (Number(r.class_hints) > 0 ? 'classification' : 'regression') }));
}

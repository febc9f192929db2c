// Labels nobody predicted: labels of the window for events with no
// prediction of the model within the label horizon before them. They stay in
// the labels table (a late-arriving prediction still finds them); the count
// and a sample of event ids are reported per model (model_version '').
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow } from '../../src/core/score.ts';
import { scoreRow } from '../operational/score-row.ts';
import { QUALITY_DETECTOR, type QualityContext } from './context.ts';

/** Labels of the window for events with no prediction of the model within the horizon before them. */
export async function unknownLabels(store: Store, ctx: QualityContext & { model: string }): Promise<ScoreRow> {
  const rows = await store.query<{ n: number; sample: string[] }>(
    `SELECT count() AS n, arraySlice(arraySort(groupArray(event_id)), 1, 10) AS sample
     FROM (SELECT event_id FROM labels
           WHERE model = {model:String} AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
           GROUP BY event_id)
     WHERE event_id NOT IN (
           SELECT event_id FROM predictions
           WHERE model = {model:String} AND ts >= fromUnixTimestamp64Milli({start:Int64} - {horizon_ms:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC'))`,
    { params: { model: ctx.model, start: ctx.window.start.getTime(), end: ctx.window.end.getTime(), horizon_ms: ctx.labelHorizonMs }, signal: ctx.signal },
  );
  const n = Number(rows[0]?.n ?? 0);
  return scoreRow(ctx, QUALITY_DETECTOR, {
    model: ctx.model,
    version: '',
    metric: 'labels_unknown',
    value: n,
    status: 'ok',
    n_cur: n,
    details: { sample: rows[0]?.sample ?? [], horizon_ms: ctx.labelHorizonMs },
  });
}

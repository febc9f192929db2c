// The labelled predictions of both sides, as one SQL source the quality
// queries aggregate over. Each prediction of the window is joined to the
// newest label of its event (argMax on ingested_at: the ReplacingMergeTree's
// rule, without waiting for merges) and to how many distinct label messages
// arrived for it (label_arrivals, sql/030).
// Class names are made canonical on both sides, so a label 1 and a
// prediction "1" or 1.0 are the same class.
import type { QueryParams } from '../../src/core/store/store.ts';
import { bothSides, sideFilter } from '../operational/sides.ts';
import type { QualityContext } from './context.ts';

export interface LabelledSource {
  sql: string;
  params: QueryParams;
}

/**
 * Columns: side, model_version, event_id, has_label (0 for a prediction
 * without label in LEFT mode), in_horizon, y, y_num, yhat, yhat_num,
 * confidence, probabilities, arrivals. ctx.model must be set.
 */
export function labelledSource(ctx: QualityContext, join: 'LEFT' | 'INNER'): LabelledSource {
  if (ctx.model === undefined) throw new RangeError('labelledSource needs one model');
  const preds = bothSides(
    ctx,
    (where, side) => `SELECT '${side}' AS side, model_version, event_id, ts, prediction, prediction_num, confidence, probabilities FROM predictions WHERE ${where}`,
  );
  const cur = sideFilter(ctx, 'cur');
  const ref = sideFilter(ctx, 'ref');
  const events = `SELECT event_id FROM predictions WHERE (${cur.sql}) OR (${ref.sql})`;
  const sql = `
    SELECT p.side AS side, p.model_version AS model_version, p.event_id AS event_id,
           l.has_label AS has_label,
           l.label_ts <= p.ts + toIntervalMillisecond({horizon_ms:Int64}) AS in_horizon,
           ${canonicalClass('l.label_num', 'l.label')} AS y,
           l.label_num AS y_num,
           ${canonicalClass('p.prediction_num', 'p.prediction')} AS yhat,
           p.prediction_num AS yhat_num, p.confidence AS confidence, p.probabilities AS probabilities,
           l.arrivals AS arrivals
    FROM (${preds.sql}) AS p
    ${join} JOIN (
        SELECT lab.event_id AS event_id, lab.label AS label, lab.label_num AS label_num, lab.label_ts AS label_ts, toUInt8(1) AS has_label, ar.arrivals AS arrivals
        FROM (${newestLabelsSql(events)}) AS lab
        LEFT JOIN (
            SELECT event_id, uniqExactMerge(arrivals) AS arrivals FROM label_arrivals WHERE model = {model:String} AND event_id IN (${events}) GROUP BY event_id
        ) AS ar ON ar.event_id = lab.event_id
    ) AS l ON l.event_id = p.event_id`;
  return { sql, params: { ...preds.params, horizon_ms: ctx.labelHorizonMs } };
}

/**
 * The newest label of each event of {model:String} among `events` (a
 * subquery of event_ids): event_id, label, label_num, label_ts.
 */
export function newestLabelsSql(events: string): string {
  return `SELECT event_id, argMax(label, ingested_at) AS label, argMax(label_num, ingested_at) AS label_num, argMax(ts, ingested_at) AS label_ts
            FROM labels WHERE model = {model:String} AND event_id IN (${events})
            GROUP BY event_id`;
}

/** A class name made canonical: the number's text when the value is a finite number, else the string. */
export function canonicalClass(numeric: string, text: string): string {
  return `if(${numeric} IS NOT NULL AND isFinite(${numeric}), toString(${numeric}), ${text})`;
}

/**
 * A binary classifier's score of the positive class {pos:String}: its entry in
 * probabilities, else 1 - the negative class's {neg:String}, else from the
 * confidence of the predicted class (column yhat); NULL when none is logged.
 */
export const POSITIVE_SCORE = `multiIf(mapContains(probabilities, {pos:String}), probabilities[{pos:String}],
                        mapContains(probabilities, {neg:String}), 1 - probabilities[{neg:String}],
                        confidence IS NOT NULL, if(yhat = {pos:String}, confidence, 1 - confidence), NULL)`;

/** A label a classifier can use: any non-empty class name. */
export const CLASS_LABEL_OK = "y != ''";
/** A label a regressor can use: a finite number. */
export const NUMERIC_LABEL_OK = 'y_num IS NOT NULL AND isFinite(y_num)';

// The predictions of one model version over a time range, as one SQL source
// the estimation queries aggregate: each row once for the whole traffic
// (segment '') and once more for its tag segment when segments are on; with
// labels, joined to the newest label of its event (quality's join).
// Columns: segment, event_id, yhat (canonical class text), yhat_num,
// confidence, probabilities, lab (1 when a usable label arrived within the
// horizon), y (canonical label text, '' without), y_num.
import type { QueryParams } from '../../src/core/store/store.ts';
import { canonicalClass, newestLabelsSql } from '../quality/sql.ts';

export interface RangeSpec {
  model: string;
  version: string;
  start: Date;
  end: Date;
  /** Also emit each row under "tag=value" for these values of the tag. */
  segment?: { tag: string; values: readonly string[] } | undefined;
  /** Join labels: a row is labelled when its newest label arrived within horizonMs of the prediction. */
  labels?: { horizonMs: number; usable: 'class' | 'number' } | undefined;
}

export interface Source {
  sql: string;
  params: QueryParams;
}

export function rangeSource(spec: RangeSpec): Source {
  const where = `model = {model:String} AND model_version = {version:String}
                 AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')`;
  const params: QueryParams = { model: spec.model, version: spec.version, start: spec.start.getTime(), end: spec.end.getTime() };
  let segment = `['']`;
  if (spec.segment && spec.segment.values.length > 0) {
    segment = `if(p.tag_value IN {seg_values:Array(String)}, ['', concat({seg_tag:String}, '=', p.tag_value)], [''])`;
    params.seg_tag = spec.segment.tag;
    params.seg_values = [...spec.segment.values];
  }
  const tagValue = spec.segment ? `tags[{seg_tag:String}]` : `''`;
  const preds = `SELECT event_id, ts, prediction, prediction_num, confidence, probabilities, ${tagValue} AS tag_value FROM predictions WHERE ${where}`;
  const cols = `arrayJoin(${segment}) AS segment, p.event_id AS event_id, ${canonicalClass('p.prediction_num', 'p.prediction')} AS yhat,
                p.prediction_num AS yhat_num, p.confidence AS confidence, p.probabilities AS probabilities`;
  if (!spec.labels) return { sql: `SELECT ${cols}, toUInt8(0) AS lab, '' AS y, CAST(NULL AS Nullable(Float64)) AS y_num FROM (${preds}) AS p`, params };

  const y = canonicalClass('l.label_num', 'l.label');
  const usable = spec.labels.usable === 'class' ? `${y} != ''` : 'l.label_num IS NOT NULL AND isFinite(l.label_num)';
  const sql = `
    SELECT ${cols},
           toUInt8(l.has_label = 1 AND l.label_ts <= p.ts + toIntervalMillisecond({horizon_ms:Int64}) AND ${usable}) AS lab,
           if(lab = 1, ${y}, '') AS y, if(lab = 1, l.label_num, NULL) AS y_num
    FROM (${preds}) AS p
    LEFT JOIN (SELECT event_id, label, label_num, label_ts, toUInt8(1) AS has_label FROM (${newestLabelsSql(`SELECT event_id FROM predictions WHERE ${where}`)})) AS l
      ON l.event_id = p.event_id`;
  return { sql, params: { ...params, horizon_ms: spec.labels.horizonMs } };
}

/** The busiest values of a tag in a range (segments), at most `limit`. */
export function segmentValuesSql(): string {
  return `SELECT tags[{seg_tag:String}] AS v, count() AS n FROM predictions
          WHERE model = {model:String} AND model_version = {version:String}
            AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
            AND v != ''
          GROUP BY v ORDER BY n DESC, v LIMIT {limit:UInt32}`;
}

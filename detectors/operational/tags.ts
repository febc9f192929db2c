// Tags of the events behind each score row, attached so alert rules (and
// route and inhibit matchers) can match on them whatever the detector:
// - the version's deployment tag (tags['deployment'], e.g. canary, shadow,
//   champion; the most frequent value when a version sends several) in the
//   current window, on every row of that version;
// - on a segment row ("region=eu"), the segment's own tag (region: eu).
// These are the only tag names a score carries: the config check refuses a
// rule, route or inhibit matcher that names any other (see scoreTagNames in
// detectors/config.ts).
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, TimeWindow } from '../../src/core/score.ts';
import { versionKey } from './sides.ts';

export const DEPLOYMENT_TAG = 'deployment';

export type VersionTags = Map<string, Record<string, string>>;

/** What loadDeploymentTags looks at: the current window, optionally one model or one version. */
export interface TagScope {
  window: TimeWindow;
  model?: string | undefined;
  version?: string | undefined;
  signal?: AbortSignal | undefined;
}

export async function loadDeploymentTags(store: Store, scope: TagScope): Promise<VersionTags> {
  const conds = [`ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC')`, `ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')`, `tags[{tag:String}] != ''`];
  const params: Record<string, unknown> = { start: scope.window.start.getTime(), end: scope.window.end.getTime(), tag: DEPLOYMENT_TAG };
  if (scope.model !== undefined) {
    conds.unshift('model = {model:String}');
    params.model = scope.model;
  }
  if (scope.version !== undefined) {
    conds.push('model_version = {version:String}');
    params.version = scope.version;
  }
  const rows = await store.query<{ model: string; model_version: string; deployment: string }>(
    `SELECT model, model_version, topK(1)(tags[{tag:String}])[1] AS deployment
     FROM predictions WHERE ${conds.join(' AND ')} GROUP BY model, model_version`,
    { params, signal: scope.signal },
  );
  return new Map(rows.map((r) => [versionKey(r.model, r.model_version), { [DEPLOYMENT_TAG]: r.deployment }]));
}

/** The tag of a segment row: "region=eu" -> { region: "eu" }; {} for the whole traffic (''). */
export function segmentTag(segment: string): Record<string, string> {
  const at = segment.indexOf('=');
  return at > 0 ? { [segment.slice(0, at)]: segment.slice(at + 1) } : {};
}

/** Rows with their version's deployment tag and their segment's tag; tags a row already has win. */
export function withTags(rows: ScoreRow[], tags: VersionTags): ScoreRow[] {
  return rows.map((r) => {
    const t = { ...tags.get(versionKey(r.model, r.model_version)), ...segmentTag(r.segment), ...r.tags };
    return Object.keys(t).length > 0 ? { ...r, tags: t } : r;
  });
}

// Deployment tags of each version in the current window (tags['deployment'],
// e.g. canary, shadow, champion; the most frequent value when a version sends
// several), attached to its scores so alert rules can match on them.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow } from '../../src/core/score.ts';
import type { MonitorContext } from './context.ts';
import { sideFilter, versionKey } from './sides.ts';

export const DEPLOYMENT_TAG = 'deployment';

export type VersionTags = Map<string, Record<string, string>>;

export async function loadDeploymentTags(store: Store, ctx: MonitorContext): Promise<VersionTags> {
  const f = sideFilter({ ...ctx, baseline: { kind: 'previous' } }, 'cur');
  const rows = await store.query<{ model: string; model_version: string; deployment: string }>(
    `SELECT model, model_version, topK(1)(tags[{tag:String}])[1] AS deployment
     FROM predictions WHERE ${f.sql} AND tags[{tag:String}] != '' GROUP BY model, model_version`,
    { params: { ...f.params, tag: DEPLOYMENT_TAG }, signal: ctx.signal },
  );
  return new Map(rows.map((r) => [versionKey(r.model, r.model_version), { [DEPLOYMENT_TAG]: r.deployment }]));
}

export function withTags(rows: ScoreRow[], tags: VersionTags): ScoreRow[] {
  return rows.map((r) => {
    const t = tags.get(versionKey(r.model, r.model_version));
    return t ? { ...r, tags: { ...t, ...r.tags } } : r;
  });
}

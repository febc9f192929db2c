// Shadow deployments: when two versions of a model predict the same
// event_ids in the window, how far they agree. Classifiers: shadow_agreement,
// the share of shared events with the same predicted class (canonical class
// names, as quality uses). Regressors: shadow_mean_abs_diff, mean |ŷ_a - ŷ_b|,
// and shadow_correlation, Pearson's r of the two predictions (corrStable).
// The row belongs to the shadow version, with the live one as its baseline:
// the live version is the baseline version when the context names one, else
// the one not tagged deployment=shadow, else the lower version name.
// Informational: no thresholds, insufficient_data below minCount shared events.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow } from '../../src/core/score.ts';
import type { MonitorContext } from '../operational/context.ts';
import { scoreRow } from '../operational/score-row.ts';
import { versionKey } from '../operational/sides.ts';
import { DEPLOYMENT_TAG, loadDeploymentTags, withTags } from '../operational/tags.ts';
import { modelTasks } from '../quality/task.ts';
import type { QualityTask } from '../quality/context.ts';

export const SHADOW_DETECTOR = 'shadow';

interface PairRow {
  model: string;
  va: string;
  vb: string;
  n: number;
  agree: number;
  n_num: number;
  mad: number | null;
  corr: number | null;
}

export async function shadowMonitor(store: Store, ctx: MonitorContext & { tasks?: Readonly<Record<string, QualityTask>> }): Promise<ScoreRow[]> {
  const conds = ["ts >= fromUnixTimestamp64Milli({cur_start:Int64}, 'UTC')", "ts < fromUnixTimestamp64Milli({cur_end:Int64}, 'UTC')"];
  const params: Record<string, unknown> = { cur_start: ctx.window.start.getTime(), cur_end: ctx.window.end.getTime() };
  if (ctx.model !== undefined) {
    conds.push('model = {model:String}');
    params.model = ctx.model;
  }
  const pairConds: string[] = [];
  if (ctx.baseline.kind === 'version') {
    pairConds.push('(a.model_version = {live:String} OR b.model_version = {live:String})');
    params.live = ctx.baseline.version;
  }
  if (ctx.version !== undefined) {
    pairConds.push('(a.model_version = {shadow:String} OR b.model_version = {shadow:String})');
    params.shadow = ctx.version;
  }
  const per = `SELECT model, model_version, event_id,
                      any(if(prediction_num IS NOT NULL AND isFinite(prediction_num), toString(prediction_num), prediction)) AS cls,
                      any(if(prediction_num IS NOT NULL AND isFinite(prediction_num), prediction_num, NULL)) AS num
               FROM predictions WHERE ${conds.join(' AND ')} GROUP BY model, model_version, event_id`;
  const rows = await store.query<PairRow>(
    `SELECT a.model AS model, a.model_version AS va, b.model_version AS vb, count() AS n, countIf(a.cls = b.cls) AS agree,
            countIf(a.num IS NOT NULL AND b.num IS NOT NULL) AS n_num,
            avgIf(abs(a.num - b.num), a.num IS NOT NULL AND b.num IS NOT NULL) AS mad,
            corrStableIf(assumeNotNull(a.num), assumeNotNull(b.num), a.num IS NOT NULL AND b.num IS NOT NULL) AS corr
     FROM (${per}) AS a INNER JOIN (${per}) AS b ON a.model = b.model AND a.event_id = b.event_id
     WHERE a.model_version < b.model_version ${pairConds.map((c) => `AND ${c}`).join(' ')}
     GROUP BY model, va, vb ORDER BY model, va, vb`,
    { params, signal: ctx.signal },
  );
  if (rows.length === 0) return [];
  const tasks = new Map((await modelTasks(store, { ...ctx, version: undefined, baseline: { kind: 'previous' } })).map((m) => [m.model, m.task]));
  const tags = await loadDeploymentTags(store, { ...ctx, version: undefined });
  const isShadow = (model: string, v: string) => tags.get(versionKey(model, v))?.[DEPLOYMENT_TAG] === 'shadow';
  const out: ScoreRow[] = [];
  for (const r of rows) {
    let live = r.va;
    let shadow = r.vb;
    if (ctx.baseline.kind === 'version') [live, shadow] = ctx.baseline.version === r.va ? [r.va, r.vb] : [r.vb, r.va];
    else if (isShadow(r.model, r.va) && !isShadow(r.model, r.vb)) [live, shadow] = [r.vb, r.va];
    const n = Number(r.n);
    const nNum = Number(r.n_num);
    const rowCtx: MonitorContext = { ...ctx, baseline: { kind: 'version', version: live } };
    const row = (metric: string, value: number | null, count: number, ref: number) =>
      scoreRow(rowCtx, SHADOW_DETECTOR, { model: r.model, version: shadow, metric, value: count === 0 ? null : value, status: count < ctx.minCount ? 'insufficient_data' : 'ok', n_ref: count, n_cur: count, details: { ref, live, shared_events: n } });
    if ((tasks.get(r.model) ?? 'classification') === 'classification') out.push(row('shadow_agreement', Number(r.agree) / n, n, 1));
    else out.push(row('shadow_mean_abs_diff', r.mad === null ? null : Number(r.mad), nNum, 0), row('shadow_correlation', r.corr === null ? null : Number(r.corr), nNum, 1));
  }
  return withTags(out, tags);
}

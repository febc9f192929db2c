// Schema drift between the baseline and the current window, per model and
// version, from feature_values: features that appear (schema_added), that
// disappear (schema_removed), and whose kind changes (schema_type_changed: the
// set of kinds of the non-missing values differs, both sides non-empty; a
// feature that is only ever null on one side is a missing-value matter, not a
// type change). Each metric is one model-level row whose value is the number
// of features concerned and whose details name them, so an alert on it also
// resolves when the schema settles.
import type { Store } from '../../src/core/store/store.ts';
import { sortCategories } from '../stats/categories.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { MonitorContext } from './context.ts';
import { loadFeatureStats, type VersionFeatureStats } from './feature-stats.ts';
import { scoreRow } from './score-row.ts';

export const SCHEMA_DETECTOR = 'schema';

export function schemaScores(stats: readonly VersionFeatureStats[], ctx: MonitorContext): ScoreRow[] {
  const out: ScoreRow[] = [];
  for (const s of stats) {
    const cur = s.features.cur;
    const ref = s.features.ref;
    const added = sortCategories([...cur.keys()].filter((f) => !ref.has(f)));
    const removed = sortCategories([...ref.keys()].filter((f) => !cur.has(f)));
    const changed = sortCategories(
      [...cur.keys()].filter((f) => {
        const a = ref.get(f)?.kinds ?? [];
        const b = cur.get(f)?.kinds ?? [];
        return a.length > 0 && b.length > 0 && a.join(',') !== b.join(',');
      }),
    );
    let status: ScoreStatus | null = null;
    if (s.events.cur === 0) status = 'no_data';
    else if (s.events.cur < ctx.minCount || s.events.ref < ctx.minCount) status = 'insufficient_data';
    const row = (metric: string, features: string[], details: Record<string, unknown>) =>
      scoreRow(ctx, SCHEMA_DETECTOR, {
        model: s.model,
        version: s.version,
        metric,
        value: features.length,
        threshold: 1,
        status: status ?? (features.length > 0 ? 'alert' : 'ok'),
        n_ref: s.events.ref,
        n_cur: s.events.cur,
        details: { ref: 0, features, ...details },
      });
    out.push(row('schema_added', added, {}));
    out.push(row('schema_removed', removed, {}));
    out.push(row('schema_type_changed', changed, { kinds: Object.fromEntries(changed.map((f) => [f, { ref: ref.get(f)?.kinds, cur: cur.get(f)?.kinds }])) }));
  }
  return out;
}

export async function schemaMonitor(store: Store, ctx: MonitorContext): Promise<ScoreRow[]> {
  return schemaScores(await loadFeatureStats(store, ctx), ctx);
}

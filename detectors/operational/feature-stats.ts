// Per-feature presence on both sides, read once from the long feature_values
// layout and shared by the schema and the missing-value monitors: how many
// events each side has, and per feature how many rows, how many non-missing,
// and which kinds (number, string, bool) its non-missing values had.
import type { Store } from '../../src/core/store/store.ts';
import type { MonitorContext } from './context.ts';
import { bothSides, pairSides, type Side } from './sides.ts';

export interface FeatureSideStats {
  /** Rows of the feature (events that sent the key, null or not). */
  rows: number;
  /** Rows with a non-missing value. */
  present: number;
  /** Kinds of the non-missing values, sorted. */
  kinds: string[];
}

export interface VersionFeatureStats {
  model: string;
  version: string;
  events: Record<Side, number>;
  features: Record<Side, Map<string, FeatureSideStats>>;
}

type StatsRow =
  | { side: Side; model: string; model_version: string; what: 'events'; n: number }
  | { side: Side; model: string; model_version: string; what: 'feature'; feature: string; stats: FeatureSideStats };

export async function loadFeatureStats(store: Store, ctx: MonitorContext): Promise<VersionFeatureStats[]> {
  const ev = bothSides(ctx, (where, side) => `SELECT '${side}' AS side, model, model_version, count() AS n FROM predictions WHERE ${where} GROUP BY model, model_version`);
  const fv = bothSides(
    ctx,
    (where, side) =>
      `SELECT '${side}' AS side, model, model_version, feature, count() AS rows, countIf(kind != 'missing') AS present,
              arraySort(groupUniqArrayIf(toString(kind), kind != 'missing')) AS kinds
       FROM feature_values WHERE ${where} GROUP BY model, model_version, feature`,
  );
  type EvRow = { side: Side; model: string; model_version: string; n: number };
  type FvRow = { side: Side; model: string; model_version: string; feature: string; rows: number; present: number; kinds: string[] };
  const [events, features] = await Promise.all([store.query<EvRow>(ev.sql, { params: ev.params, signal: ctx.signal }), store.query<FvRow>(fv.sql, { params: fv.params, signal: ctx.signal })]);
  const rows: StatsRow[] = [
    ...events.map((r) => ({ side: r.side, model: r.model, model_version: r.model_version, what: 'events' as const, n: Number(r.n) })),
    ...features.map((r) => ({
      side: r.side,
      model: r.model,
      model_version: r.model_version,
      what: 'feature' as const,
      feature: r.feature,
      stats: { rows: Number(r.rows), present: Number(r.present), kinds: r.kinds },
    })),
  ];
  return pairSides(rows, ctx).map((p) => {
    const out: VersionFeatureStats = { model: p.model, version: p.version, events: { cur: 0, ref: 0 }, features: { cur: new Map(), ref: new Map() } };
    for (const side of ['cur', 'ref'] as const) {
      for (const r of p[side]) {
        if (r.what === 'events') out.events[side] += r.n;
        else out.features[side].set(r.feature, r.stats);
      }
    }
    return out;
  });
}

// Missing-value share per feature, per model and version: the share of the
// side's events whose value for the feature is missing, where missing is a
// JSON null or the key absent from the event (as an empty CSV field is
// missing in docs/statistics.md). Status by docs/statistics.md's missing-share bands on
// |cur - ref| (missingWarn / missingAlert); p_value is the two-sided
// two-proportion z-test of the two shares.
import type { Store } from '../../src/core/store/store.ts';
import { sortCategories } from '../stats/categories.ts';
import { missingSeverity } from '../stats/severity.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { MonitorContext } from './context.ts';
import { loadFeatureStats, type VersionFeatureStats } from './feature-stats.ts';
import { twoProportionZTest } from './proportions.ts';
import { scoreRow } from './score-row.ts';

export const MISSING_DETECTOR = 'missing';

export function missingScores(stats: readonly VersionFeatureStats[], ctx: MonitorContext): ScoreRow[] {
  const t = ctx.thresholds;
  const bands = { psiWarn: 0, psiAlert: 0, missingWarn: t.missingWarn, missingAlert: t.missingAlert };
  const out: ScoreRow[] = [];
  for (const s of stats) {
    const features = sortCategories([...s.features.cur.keys(), ...s.features.ref.keys()]);
    for (const feature of features) {
      const nCur = s.events.cur;
      const nRef = s.events.ref;
      const missCur = Math.max(0, nCur - (s.features.cur.get(feature)?.present ?? 0));
      const missRef = Math.max(0, nRef - (s.features.ref.get(feature)?.present ?? 0));
      const shareCur = nCur > 0 ? missCur / nCur : null;
      const shareRef = nRef > 0 ? missRef / nRef : null;
      const test = nCur > 0 && nRef > 0 ? twoProportionZTest(missCur, nCur, missRef, nRef, 'two-sided') : null;
      let status: ScoreStatus;
      if (nCur === 0) status = 'no_data';
      else if (nCur < ctx.minCount || nRef < ctx.minCount) status = 'insufficient_data';
      else {
        const sev = missingSeverity(shareRef, shareCur, bands);
        status = sev === 'none' ? 'ok' : sev;
      }
      out.push(
        scoreRow(ctx, MISSING_DETECTOR, {
          model: s.model,
          version: s.version,
          feature,
          metric: 'missing_share',
          value: shareCur,
          p_value: test?.p_value ?? null,
          threshold: t.missingAlert,
          status,
          n_ref: nRef,
          n_cur: nCur,
          details: { ref: shareRef, delta: shareCur !== null && shareRef !== null ? shareCur - shareRef : null, missing: missCur, ref_missing: missRef },
        }),
      );
    }
  }
  return out;
}

export async function missingValuesMonitor(store: Store, ctx: MonitorContext): Promise<ScoreRow[]> {
  return missingScores(await loadFeatureStats(store, ctx), ctx);
}

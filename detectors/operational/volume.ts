// Request volume against the baseline, rate-normalised by window length:
// volume_ratio = (n_cur / len_cur) / (n_ref / len_ref). Below volumeDrop is a
// traffic drop, above volumeSpike a spike. A version that had traffic in the
// baseline and has none now gets volume_ratio 0: that is the drop that matters
// most. Per model and version, plus one row per model over all its versions
// (model_version '') so a rollout that moves traffic between versions does not
// read as a drop of the model.
//
// p_value: under equal rates, n_cur given n_cur + n_ref is binomial with
// p0 = len_cur / (len_cur + len_ref); the two-sided normal approximation of
// that test. Traffic is burstier than Poisson, so the ratio thresholds, not
// the p-value, decide the status. Against a version baseline the ratio is the
// traffic split between the versions, set by the rollout: reported, never
// alerting, and without a test.
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import { baselineSide, type MonitorContext } from './context.ts';
import { normalSf } from './normal.ts';
import { scoreRow } from './score-row.ts';
import { bothSides, pairSides, type Side } from './sides.ts';

export const VOLUME_DETECTOR = 'volume';

interface VolumeRow {
  side: Side;
  model: string;
  model_version: string;
  n: number;
}

function conditionalRateTest(nCur: number, nRef: number, lenCur: number, lenRef: number): number | null {
  const total = nCur + nRef;
  if (total === 0) return null;
  const p0 = lenCur / (lenCur + lenRef);
  const sd = Math.sqrt(total * p0 * (1 - p0));
  if (!(sd > 0)) return null;
  return Math.min(1, 2 * normalSf(Math.abs(nCur - total * p0) / sd));
}

export async function volumeMonitor(store: Store, ctx: MonitorContext): Promise<ScoreRow[]> {
  const q = bothSides(ctx, (where, side) => `SELECT '${side}' AS side, model, model_version, count() AS n FROM predictions WHERE ${where} GROUP BY model, model_version`);
  const rows = (await store.query<VolumeRow>(q.sql, { params: q.params, signal: ctx.signal })).map((r) => ({ ...r, n: Number(r.n) }));
  const pairs = pairSides(rows, ctx);
  if (ctx.version === undefined && ctx.baseline.kind !== 'version') {
    // Model totals over all versions.
    const byModel = new Map<string, { cur: number; ref: number }>();
    for (const r of rows) {
      const t = byModel.get(r.model) ?? { cur: 0, ref: 0 };
      t[r.side] += r.n;
      byModel.set(r.model, t);
    }
    for (const [model, t] of byModel) {
      pairs.push({ model, version: '', cur: [{ side: 'cur', model, model_version: '', n: t.cur }], ref: [{ side: 'ref', model, model_version: '', n: t.ref }] });
    }
  }
  const base = baselineSide(ctx);
  const lenCur = ctx.window.end.getTime() - ctx.window.start.getTime();
  const lenRef = base.end.getTime() - base.start.getTime();
  const versionBaseline = ctx.baseline.kind === 'version';
  const t = ctx.thresholds;
  return pairs.map((p) => {
    const nCur = p.cur.reduce((s, r) => s + r.n, 0);
    const nRef = p.ref.reduce((s, r) => s + r.n, 0);
    const ratio = nRef === 0 ? null : nCur / lenCur / (nRef / lenRef);
    let status: ScoreStatus;
    let threshold: number | null = null;
    if (ratio === null || nRef < ctx.minCount) status = 'insufficient_data';
    else if (versionBaseline) status = 'ok';
    else {
      threshold = ratio < 1 ? t.volumeDrop : t.volumeSpike;
      status = ratio <= t.volumeDrop || ratio >= t.volumeSpike ? 'alert' : 'ok';
    }
    return scoreRow(ctx, VOLUME_DETECTOR, {
      model: p.model,
      version: p.version,
      metric: 'volume_ratio',
      value: ratio,
      p_value: versionBaseline ? null : conditionalRateTest(nCur, nRef, lenCur, lenRef),
      threshold,
      status,
      n_ref: nRef,
      n_cur: nCur,
      details: {
        ref: 1,
        cur_per_hour: (nCur / lenCur) * 3_600_000,
        ref_per_hour: (nRef / lenRef) * 3_600_000,
        drop: t.volumeDrop,
        spike: t.volumeSpike,
      },
    });
  });
}

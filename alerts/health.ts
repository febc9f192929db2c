// Per window and (model, version, detector): did the detectors look healthy?
// A rollback needs "the last version whose detectors were healthy", and
// driftwatch keeps that record itself rather than depend on the detectors'
// table layout. The record is per window: when late data gets a window
// scored again, the newer record of that window supersedes the older one,
// and a re-scored old window never hides a newer window's record.
import type { Store } from '../src/core/store/store.ts';
import { chTime } from './clock.ts';

export interface VersionHealth {
  model: string;
  model_version: string;
  detector: string;
  run_id: string;
  /** ms */
  run_at: number;
  /** The window the run scored (ms); the run time when the run did not say. */
  window_start?: number;
  window_end?: number;
  healthy: boolean;
  scores: number;
  breaches: number;
}

export interface VersionHealthStore {
  record(rows: ReadonlyArray<VersionHealth>): Promise<void>;
  /**
   * The newest version of `model` other than `current` whose record of its
   * latest window is healthy for every detector; null when none is (a fresh
   * install, or every other version unhealthy). Model-level records (version
   * '') are never a target.
   */
  lastHealthyVersion(model: string, current: string): Promise<string | null>;
}

const windowEnd = (r: VersionHealth): number => r.window_end ?? r.run_at;

export class MemoryVersionHealthStore implements VersionHealthStore {
  readonly rows: VersionHealth[] = [];
  async record(rows: ReadonlyArray<VersionHealth>): Promise<void> {
    this.rows.push(...rows);
  }
  async lastHealthyVersion(model: string, current: string): Promise<string | null> {
    const latest = new Map<string, VersionHealth>();
    for (const r of this.rows) {
      if (r.model !== model || r.model_version === current || r.model_version === '') continue;
      const k = JSON.stringify([r.model_version, r.detector]);
      const prev = latest.get(k);
      if (!prev || windowEnd(r) > windowEnd(prev) || (windowEnd(r) === windowEnd(prev) && r.run_at >= prev.run_at)) latest.set(k, r);
    }
    const versions = new Map<string, { lastSeen: number; healthy: boolean }>();
    for (const r of latest.values()) {
      const v = versions.get(r.model_version) ?? { lastSeen: 0, healthy: true };
      versions.set(r.model_version, { lastSeen: Math.max(v.lastSeen, windowEnd(r)), healthy: v.healthy && r.healthy });
    }
    const healthy = [...versions.entries()].filter(([, v]) => v.healthy).sort((a, b) => b[1].lastSeen - a[1].lastSeen);
    return healthy[0]?.[0] ?? null;
  }
}

export class ClickHouseVersionHealthStore implements VersionHealthStore {
  constructor(private readonly store: Store) {}

  async record(rows: ReadonlyArray<VersionHealth>): Promise<void> {
    await this.store.insert(
      'alert_version_health',
      rows.map((r) => ({
        ...r,
        run_at: chTime(r.run_at),
        window_start: chTime(r.window_start ?? r.run_at),
        window_end: chTime(windowEnd(r)),
        healthy: r.healthy ? 1 : 0,
      })),
    );
  }

  async lastHealthyVersion(model: string, current: string): Promise<string | null> {
    const rows = await this.store.query<{ model_version: string }>(LAST_HEALTHY_SQL, { params: { model, current } });
    return rows[0]?.model_version ?? null;
  }
}

/** Per (version, detector) the record of its latest window (the newest run of it wins); a version qualifies when all are healthy. */
export const LAST_HEALTHY_SQL = `SELECT model_version, max(last_window) AS seen, min(last_healthy) AS healthy
FROM
(
    SELECT model_version, detector, max(window_end) AS last_window, argMax(healthy, (window_end, run_at)) AS last_healthy
    FROM alert_version_health
    WHERE model = {model:String} AND model_version != {current:String} AND model_version != ''
    GROUP BY model_version, detector
)
GROUP BY model_version
HAVING healthy = 1
ORDER BY seen DESC
LIMIT 1`;

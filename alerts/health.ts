// Per run and (model, version): did the detectors look healthy? A rollback
// needs "the last version whose detectors were healthy", and driftwatch keeps
// that record itself rather than depend on the detectors' table layout.
import type { Store } from '../src/store/store.ts';
import { chTime } from './clock.ts';

export interface VersionHealth {
  model: string;
  model_version: string;
  run_id: string;
  /** ms */
  run_at: number;
  healthy: boolean;
  scores: number;
  breaches: number;
}

export interface VersionHealthStore {
  record(rows: ReadonlyArray<VersionHealth>): Promise<void>;
  /** The newest version of `model` other than `current` whose latest record is healthy. */
  lastHealthyVersion(model: string, current: string): Promise<string | null>;
}

export class MemoryVersionHealthStore implements VersionHealthStore {
  readonly rows: VersionHealth[] = [];
  async record(rows: ReadonlyArray<VersionHealth>): Promise<void> {
    this.rows.push(...rows);
  }
  async lastHealthyVersion(model: string, current: string): Promise<string | null> {
    const latest = new Map<string, VersionHealth>();
    for (const r of this.rows) {
      if (r.model !== model || r.model_version === current) continue;
      const prev = latest.get(r.model_version);
      if (!prev || r.run_at >= prev.run_at) latest.set(r.model_version, r);
    }
    const healthy = [...latest.values()].filter((r) => r.healthy).sort((a, b) => b.run_at - a.run_at);
    return healthy[0]?.model_version ?? null;
  }
}

export class ClickHouseVersionHealthStore implements VersionHealthStore {
  constructor(private readonly store: Store) {}

  async record(rows: ReadonlyArray<VersionHealth>): Promise<void> {
    await this.store.insert(
      'alert_version_health',
      rows.map((r) => ({ ...r, run_at: chTime(r.run_at), healthy: r.healthy ? 1 : 0 })),
    );
  }

  async lastHealthyVersion(model: string, current: string): Promise<string | null> {
    const rows = await this.store.query<{ model_version: string }>(LAST_HEALTHY_SQL, { params: { model, current } });
    return rows[0]?.model_version ?? null;
  }
}

export const LAST_HEALTHY_SQL = `SELECT model_version, max(run_at) AS last_seen, argMax(healthy, run_at) AS last_healthy
FROM alert_version_health
WHERE model = {model:String} AND model_version != {current:String}
GROUP BY model_version
HAVING last_healthy = 1
ORDER BY last_seen DESC
LIMIT 1`;

// Drops the series of model versions that are no longer seen. Every series
// driftwatch exports per model version (traffic, latency, errors, scores,
// statuses, ages) would otherwise stay on /metrics forever once a version is
// retired, as the last value it had: Prometheus would keep scraping a
// canary's last PSI months after it was rolled back. A version is seen when
// a prediction of it is stored or a detector scores it; one not seen for
// metrics.version_ttl has its series removed (they come back if it is seen
// again).
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';

/** Something that exports series per model version and can drop those of one version. */
export interface VersionSeries {
  removeVersion(model: string, version: string): number;
}

export class StaleVersions implements Component {
  readonly name = 'metrics-staleness';
  readonly #lastSeen = new Map<string, { model: string; version: string; at: number }>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly exporters: ReadonlyArray<VersionSeries>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A prediction or a score of this version was just seen. */
  touch(model: string, version: string): void {
    this.#lastSeen.set(`${model}\u0000${version}`, { model, version, at: this.now() });
  }

  /** Remove the series of every version not seen within the TTL; returns those versions. */
  sweep(): Array<{ model: string; version: string }> {
    if (this.ttlMs <= 0) return [];
    const cutoff = this.now() - this.ttlMs;
    const gone: Array<{ model: string; version: string }> = [];
    for (const [key, v] of this.#lastSeen) {
      if (v.at > cutoff) continue;
      const series = this.exporters.reduce((n, e) => n + e.removeVersion(v.model, v.version), 0);
      this.#lastSeen.delete(key);
      gone.push({ model: v.model, version: v.version });
      this.logger.info('removed the series of a model version not seen for metrics.version_ttl', { model: v.model, version: v.version, series });
    }
    return gone;
  }

  async start(): Promise<void> {
    if (this.ttlMs <= 0) return;
    // A sweep every tenth of the TTL (at most a minute apart): a version goes within 1.1 x TTL.
    this.#timer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1_000, Math.floor(this.ttlMs / 10))));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

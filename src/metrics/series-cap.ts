// Bounds label cardinality: at most `max` distinct label sets per metric
// family; the rest are dropped and counted, so a model with 10,000 features
// cannot take Prometheus down.
import { Counter, type Registry } from 'prom-client';

export class SeriesCap {
  readonly #seen = new Set<string>();
  readonly #dropped: Counter<'metric'>;

  constructor(
    private readonly metric: string,
    private readonly max: number,
    dropped: Counter<'metric'>,
  ) {
    this.#dropped = dropped;
  }

  /** True when this label set may be exported. */
  admit(key: string): boolean {
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= this.max) {
      this.#dropped.inc({ metric: this.metric });
      return false;
    }
    this.#seen.add(key);
    return true;
  }

  forget(key: string): void {
    this.#seen.delete(key);
  }

  clear(): void {
    this.#seen.clear();
  }
}

/** The shared counter of dropped series (one per registry). */
export function droppedSeriesCounter(registry: Registry): Counter<'metric'> {
  const existing = registry.getSingleMetric('driftwatch_metric_series_dropped_total');
  if (existing) return existing as Counter<'metric'>;
  return new Counter({
    name: 'driftwatch_metric_series_dropped_total',
    help: 'Label sets not exported because a metric reached its series cap.',
    labelNames: ['metric'],
    registers: [registry],
  });
}

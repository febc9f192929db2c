// Staleness as Prometheus gauges, from the staleness scores of each run
// (metrics version_age_days and days_since_training): when each live
// version was first seen, how long it has served and how old its training
// data is, in seconds (Prometheus' base unit). Rules in driftwatch use the
// scores; these serve dashboards and Prometheus alerting.
import { Gauge, type Registry } from 'prom-client';
import type { ScoreRow } from '../core/score.ts';
import { droppedSeriesCounter, SeriesCap } from './series-cap.ts';

const DAY_S = 86_400;

type Labels = 'model' | 'version';

export class VersionAgeGauges {
  readonly #firstSeen: Gauge<Labels>;
  readonly #age: Gauge<Labels>;
  readonly #trainingAge: Gauge<Labels>;
  readonly #cap: SeriesCap;

  constructor(registry: Registry, maxVersions = 500) {
    const registers = [registry];
    this.#firstSeen = new Gauge({ name: 'driftwatch_model_version_first_seen_timestamp_seconds', help: 'Event time of the first prediction of each live model version.', labelNames: ['model', 'version'], registers });
    this.#age = new Gauge({ name: 'driftwatch_model_version_age_seconds', help: 'How long each live model version has served (first prediction to the end of the last staleness window).', labelNames: ['model', 'version'], registers });
    this.#trainingAge = new Gauge({ name: 'driftwatch_model_version_training_age_seconds', help: 'Time since the training cut-off of each live model version, where one is configured.', labelNames: ['model', 'version'], registers });
    this.#cap = new SeriesCap('driftwatch_model_version_*_seconds', maxVersions, droppedSeriesCounter(registry));
  }

  update(rows: Iterable<ScoreRow>): void {
    for (const r of rows) {
      if (r.metric !== 'version_age_days' && r.metric !== 'days_since_training') continue;
      const labels = { model: r.model, version: r.model_version };
      if (!this.#cap.admit(`${labels.model}\u0000${labels.version}`)) continue;
      const gauge = r.metric === 'version_age_days' ? this.#age : this.#trainingAge;
      if (r.value === null || !Number.isFinite(r.value)) gauge.remove(labels);
      else gauge.set(labels, r.value * DAY_S);
      if (r.metric === 'version_age_days') {
        const first = firstSeen(r.details);
        if (first !== null) this.#firstSeen.set(labels, first / 1000);
      }
    }
  }
}

function firstSeen(details: string): number | null {
  try {
    const t = Date.parse((JSON.parse(details) as { first_seen?: string }).first_seen ?? '');
    return Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}

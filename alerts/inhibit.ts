// Inhibition as in Alertmanager: while a source alert fires, target alerts
// that share the `equal` labels are muted (a model-level volume drop mutes
// that model's feature-drift alerts). An alert never inhibits itself.
import type { Alert } from './alert.ts';
import type { InhibitConfig } from './config.ts';
import { compileMatcher, matchesAll, type CompiledMatcher, type Labels } from './labels.ts';

interface CompiledInhibit {
  source: CompiledMatcher[];
  target: CompiledMatcher[];
  equal: string[];
}

export class Inhibitor {
  readonly #rules: CompiledInhibit[];

  constructor(rules: ReadonlyArray<InhibitConfig>) {
    this.#rules = rules.map((r) => ({ source: r.source_matchers.map(compileMatcher), target: r.target_matchers.map(compileMatcher), equal: r.equal }));
  }

  /** Fingerprints of the firing alerts that inhibit this one (empty: not inhibited). */
  inhibitedBy(target: { fingerprint: string; labels: Labels }, firing: Iterable<Alert>): string[] {
    const out: string[] = [];
    const rules = this.#rules.filter((r) => matchesAll(r.target, target.labels));
    if (rules.length === 0) return out;
    for (const source of firing) {
      if (source.state !== 'firing' || source.fingerprint === target.fingerprint) continue;
      if (rules.some((r) => matchesAll(r.source, source.labels) && r.equal.every((k) => (source.labels[k] ?? '') === (target.labels[k] ?? '')))) {
        out.push(source.fingerprint);
      }
    }
    return out;
  }
}

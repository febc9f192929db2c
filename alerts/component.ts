// Alerting as one daemon component: builds the engine, the dispatcher with
// every receiver's channels, silences, inhibition and the action outbox from
// the `alerts` config section; restores state at start; on stop finishes the
// run being evaluated, lets in-flight notifications and webhooks settle until
// the deadline and leaves everything else durable for the next start.
import type { Registry } from 'prom-client';
import { describeError } from '../src/core/errors.ts';
import type { Component, Readiness } from '../src/core/component.ts';
import type { Logger } from '../src/core/log/logger.ts';
import type { Ownership } from '../src/core/ownership.ts';
import type { Store } from '../src/core/store/store.ts';
import { parseDuration } from '../src/core/util/duration.ts';
import { ActionRunner } from './actions/runner.ts';
import type { Alert } from './alert.ts';
import { buildIntegrations, type Integration } from './channels/factory.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AlertsConfig } from './config.ts';
import { Dispatcher } from './dispatcher.ts';
import { AlertEngine, type EvaluationResult } from './engine.ts';
import { ClickHouseVersionHealthStore, type VersionHealthStore } from './health.ts';
import { Inhibitor } from './inhibit.ts';
import { AlertMetrics } from './metrics.ts';
import { ClickHouseNflogStore, NotificationLog, type NflogStore } from './nflog.ts';
import { Outbox } from './outbox/outbox.ts';
import { ClickHouseOutboxStore, type OutboxStore } from './outbox/store.ts';
import { buildRouteTree } from './routing.ts';
import type { ScoreRun } from './score.ts';
import { ClickHouseSilenceStore, Silences, type SilenceStore } from './silences.ts';
import { ClickHouseAlertStateStore, type AlertStateStore } from './state-store.ts';

export interface AlertingStores {
  state: AlertStateStore;
  health: VersionHealthStore;
  silences: SilenceStore;
  nflog: NflogStore;
  outbox: OutboxStore;
}

export interface AlertingOptions {
  config: AlertsConfig;
  /** The store, available once the store component has started. */
  store: () => Store;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** Replace the ClickHouse-backed stores (tests). */
  stores?: (store: Store) => AlertingStores;
  /** Integrations by receiver name; defaults to the channels built from config (tests pass fakes). */
  integrations?: Map<string, Integration[]>;
  /** Several instances: the scheduler role (evaluation, notifications) and the outbox role (webhook delivery). Default: always ours. */
  owner?: Ownership;
  outboxOwner?: Ownership;
}

export function clickhouseStores(store: Store): AlertingStores {
  return {
    state: new ClickHouseAlertStateStore(store),
    health: new ClickHouseVersionHealthStore(store),
    silences: new ClickHouseSilenceStore(store),
    nflog: new ClickHouseNflogStore(store),
    outbox: new ClickHouseOutboxStore(store),
  };
}

interface Running {
  nflog: NotificationLog;
  engine: AlertEngine;
  dispatcher: Dispatcher | null;
  silences: Silences;
  outbox: Outbox;
}

export class AlertingComponent implements Component {
  readonly name = 'alerting';
  readonly metrics: AlertMetrics;
  readonly #o: AlertingOptions;
  readonly #clock: Clock;
  readonly #integrations: Map<string, Integration[]>;
  readonly #inhibitor: Inhibitor;
  #running: Running | null = null;
  #status: Readiness = { ready: false, reason: 'not started' };
  #stopping = false;

  constructor(opts: AlertingOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.metrics = new AlertMetrics(opts.registry);
    const d = opts.config.delivery;
    // Channels are built now so a bad receiver (an unreadable CA file) fails
    // the start, not the first alert.
    this.#integrations =
      opts.integrations ??
      buildIntegrations(opts.config.receivers, {
        logger: opts.logger,
        metrics: this.metrics,
        delivery: { timeoutMs: parseDuration(d.timeout), attempts: d.attempts, baseMs: parseDuration(d.backoff_base), maxMs: parseDuration(d.backoff_max) },
      });
    this.#inhibitor = new Inhibitor(opts.config.inhibit_rules);
  }

  get engine(): AlertEngine {
    return this.#require().engine;
  }

  get silences(): Silences {
    return this.#require().silences;
  }

  get outbox(): Outbox {
    return this.#require().outbox;
  }

  get dispatcher(): Dispatcher | null {
    return this.#require().dispatcher;
  }

  get started(): boolean {
    return this.#running !== null;
  }

  #require(): Running {
    if (!this.#running) throw new Error('alerting used before it started');
    return this.#running;
  }

  /** Why an alert is muted right now (silence ids or inhibiting alerts), or null. */
  mutedBy(alert: Pick<Alert, 'fingerprint' | 'labels'>): { silencedBy: string[]; inhibitedBy: string[] } | null {
    const r = this.#running;
    if (!r) return null;
    const silencedBy = r.silences.mutedBy(alert.labels);
    const inhibitedBy = this.#inhibitor.inhibitedBy(alert, r.engine.firing());
    return silencedBy.length > 0 || inhibitedBy.length > 0 ? { silencedBy, inhibitedBy } : null;
  }

  async start(): Promise<void> {
    const { config, logger } = this.#o;
    const store = this.#o.store();
    const stores = (this.#o.stores ?? clickhouseStores)(store);
    const clock = this.#clock;
    const silences = new Silences(stores.silences, clock, parseDuration(config.silences.refresh_interval));
    await silences.refresh();
    const nflog = new NotificationLog(stores.nflog, logger);
    await nflog.load(clock.now());
    const outbox = new Outbox({
      store: stores.outbox,
      actions: config.actions,
      clock,
      logger,
      metrics: this.metrics,
      pollMs: parseDuration(config.outbox.poll_interval),
      backoffBaseMs: parseDuration(config.outbox.backoff_base),
      backoffMaxMs: parseDuration(config.outbox.backoff_max),
      owner: this.#o.outboxOwner,
    });
    const leftOver = await outbox.load();
    const isMuted = (a: Alert): boolean => this.mutedBy(a) !== null;
    const route = config.route ? buildRouteTree(config.route) : null;
    const dispatcher = route
      ? new Dispatcher({
          route,
          integrations: this.#integrations,
          nflog,
          isMuted,
          beforeFlush: () => silences.refreshIfStale(),
          clock,
          logger,
          metrics: this.metrics,
          externalUrl: config.external_url ?? null,
          owner: this.#o.owner,
        })
      : null;
    const actions = new ActionRunner({
      actions: config.actions,
      outbox,
      health: stores.health,
      clock,
      logger,
      mutedBy: (a) => {
        const m = this.mutedBy(a);
        if (!m) return null;
        return [...m.silencedBy.map((id) => `silence ${id}`), ...m.inhibitedBy.map((fp) => `alert ${fp}`)].join(', ');
      },
    });
    const engine = new AlertEngine({ config, state: stores.state, health: stores.health, dispatcher: dispatcher ?? undefined, actions, clock, logger, metrics: this.metrics });
    this.#running = { nflog, engine, dispatcher, silences, outbox };
    await engine.load();
    if (config.enabled) {
      if (route && dispatcher) dispatcher.start(Dispatcher.tickFor(route));
      outbox.start();
    }
    this.#status = { ready: true, reason: config.enabled ? `${config.rules.length} rule(s), ${config.receivers.length} receiver(s)` : 'disabled' };
    logger.info('alerting started', { rules: config.rules.length, receivers: config.receivers.length, actions: config.actions.length, outbox_pending: leftOver, enabled: config.enabled });
  }

  /**
   * This instance just won the scheduler role from another: what that owner
   * did is in the store (alert state, what each receiver was told,
   * silences), so load it before evaluating or notifying anything.
   */
  async takeOver(): Promise<void> {
    const r = this.#running;
    if (!r || this.#stopping) return;
    await r.engine.idle();
    r.dispatcher?.clear();
    await r.silences.refresh();
    await r.nflog.load(this.#clock.now());
    await r.engine.load();
    this.#o.logger.info('alerting state reloaded for the takeover', { firing: r.engine.firing().length });
  }

  /** Lost the scheduler role: stop flushing groups of alerts the new owner now handles. */
  standDown(): void {
    this.#running?.dispatcher?.clear();
  }

  /** Evaluate one detector run (the scheduler calls this after every run). */
  async evaluate(run: ScoreRun): Promise<EvaluationResult | null> {
    if (!this.#o.config.enabled || this.#stopping) return null;
    if (this.#o.owner && !this.#o.owner.held()) return null;
    return this.#require().engine.evaluate(run);
  }

  async stop(deadline: AbortSignal): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#status = { ready: false, reason: 'stopping' };
    const r = this.#running;
    if (!r) return;
    const { logger } = this.#o;
    // Let the evaluation in progress finish; the scheduler stops before us.
    await r.engine.idle();
    // Then, together: no new flushes; in-flight notifications and webhooks
    // finish or are aborted at the deadline. Nothing is lost either way: an
    // unsent notification is not in the notification log and an undelivered
    // webhook stays pending in the outbox, so the next start sends them.
    const channels = [...this.#integrations.values()].flat().map((i) => i.channel);
    await Promise.all([
      r.dispatcher?.stop(),
      r.outbox.stop(deadline),
      ...channels.map((c) => c.shutdown(deadline).catch((e: unknown) => logger.warn('channel shutdown failed', { channel: c.type, error: describeError(e) }))),
    ]);
    logger.info('alerting stopped', { outbox_pending: r.outbox.pendingCount() });
  }

  readiness(): Readiness {
    return this.#status;
  }
}

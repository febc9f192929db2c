// Alertmanager's dispatcher: firing and resolved alerts are routed, split
// into aggregation groups by the route's group_by labels, and each group is
// flushed group_wait after it appeared, then every group_interval. A flush
// drops muted alerts (silences, inhibition), asks the notification log
// whether the receiver must hear about it (new firing, newly resolved,
// repeat_interval passed) and sends through every integration of the
// receiver. A failed integration is not logged as notified, so the next
// flush tries again: nothing is lost while a receiver is down.
// Channels whose far side expires alerts that are not re-sent (Alertmanager,
// `resendMs`) also get the firing alerts they were told about posted again
// every resend interval, whatever the group timers say, as Prometheus does.
import type { Logger } from '../src/core/log/logger.ts';
import type { Ownership } from '../src/core/ownership.ts';
import type { Alert } from './alert.ts';
import type { Integration } from './channels/factory.ts';
import type { Clock } from './clock.ts';
import type { AlertMetrics } from './metrics.ts';
import { needsUpdate, type NotificationLog } from './nflog.ts';
import { buildNotification } from './notification.ts';
import { groupKey, groupLabels, matchRoutes, type Route } from './routing.ts';

/** The notification log keeps entries this long past the route's repeat interval (Alertmanager: 120h). */
const NFLOG_RETENTION_MS = 5 * 24 * 3_600_000;

interface AggregationGroup {
  key: string;
  route: Route;
  labels: Record<string, string>;
  alerts: Map<string, Alert>;
  nextFlushAt: number;
  flushing: Promise<void> | null;
}

export interface DispatcherOptions {
  route: Route;
  integrations: ReadonlyMap<string, ReadonlyArray<Integration>>;
  nflog: NotificationLog;
  /** True when an alert is silenced or inhibited at flush time. */
  isMuted: (alert: Alert) => boolean;
  /** Runs before each round of flushes (refresh silences). */
  beforeFlush?: () => Promise<void>;
  clock: Clock;
  logger: Logger;
  metrics?: AlertMetrics;
  externalUrl: string | null;
  /** Several instances: only the scheduler role's owner flushes, and it checks the fence right before each send. */
  owner?: Ownership;
}

const postKey = (integ: Integration, group: string): string => JSON.stringify([integ.receiver, integ.name, group]);

/** Key of an alert in the notification log: severity included, so an escalation notifies. */
function logKey(a: Alert): string {
  return `${a.fingerprint}/${a.severity}`;
}

export class Dispatcher {
  readonly #opts: DispatcherOptions;
  readonly #groups = new Map<string, AggregationGroup>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  /** When each (receiver, integration, group) that resends was last posted to (ms). */
  readonly #lastPost = new Map<string, number>();
  readonly #resends = new Map<string, Promise<void>>();

  constructor(opts: DispatcherOptions) {
    this.#opts = opts;
  }

  /** Route firing and resolved alerts into their groups (pending and inactive ones are ignored). */
  insert(alerts: Iterable<Alert>): void {
    const now = this.#opts.clock.now();
    for (const a of alerts) {
      if (a.state !== 'firing' && a.state !== 'resolved') continue;
      for (const route of matchRoutes(this.#opts.route, a.labels)) {
        const labels = groupLabels(route, a.labels);
        const key = groupKey(route, labels);
        let g = this.#groups.get(key);
        if (!g) {
          g = { key, route, labels, alerts: new Map(), nextFlushAt: now + route.groupWaitMs, flushing: null };
          this.#groups.set(key, g);
        }
        g.alerts.set(a.fingerprint, a);
      }
    }
  }

  /** Current groups, for the API and tests. */
  groups(): Array<{ key: string; receiver: string; labels: Record<string, string>; alerts: string[]; nextFlushAt: number }> {
    return [...this.#groups.values()].map((g) => ({ key: g.key, receiver: g.route.receiver, labels: g.labels, alerts: [...g.alerts.keys()], nextFlushAt: g.nextFlushAt }));
  }

  /** Flush every due group and wait for those flushes. Never rejects. */
  tick(): Promise<void> {
    if (this.#ticking) return this.#ticking;
    this.#ticking = this.#tick().finally(() => (this.#ticking = null));
    return this.#ticking;
  }

  /** Forget every group (this instance lost the role; the owner's state is reloaded on takeover). */
  clear(): void {
    this.#groups.clear();
  }

  async #tick(): Promise<void> {
    if (this.#opts.owner && !this.#opts.owner.held()) return;
    const now = this.#opts.clock.now();
    this.#resend(now);
    const due = [...this.#groups.values()].filter((g) => g.flushing === null && g.nextFlushAt <= now);
    if (due.length === 0) return;
    try {
      await this.#opts.beforeFlush?.();
    } catch (e) {
      this.#opts.logger.warn('refreshing silences failed; flushing with the cached ones', { err: e, code: 'DW_ALERT_STATE' });
    }
    await Promise.all(
      due.map((g) => {
        g.flushing = this.#flush(g)
          .catch((e: unknown) => this.#opts.logger.error('group flush failed', { group: g.key, err: e }))
          .finally(() => (g.flushing = null));
        return g.flushing;
      }),
    );
  }

  /**
   * Post again, to each integration that resends, the firing alerts of each
   * group it was told about (by the notification log) once its resend
   * interval passed since the last post. Not awaited by the tick: a slow
   * receiver delays only its own resends; one at a time per group.
   */
  #resend(now: number): void {
    const { nflog, logger, metrics } = this.#opts;
    for (const g of this.#groups.values()) {
      if (g.flushing) continue;
      for (const integ of this.#opts.integrations.get(g.route.receiver) ?? []) {
        const every = integ.channel.resendMs;
        if (!every) continue;
        const k = postKey(integ, g.key);
        if (this.#resends.has(k) || now - (this.#lastPost.get(k) ?? -Infinity) < every) continue;
        // By fingerprint: an alert that escalated since the last flush is
        // re-sent with its new severity (the channel ends the old label set).
        const told = new Set((nflog.get(integ.receiver, integ.name, g.key)?.firing ?? []).map((key) => key.slice(0, key.lastIndexOf('/'))));
        const alerts = [...g.alerts.values()].filter((a) => a.state === 'firing' && told.has(a.fingerprint) && !this.#opts.isMuted(a));
        if (alerts.length === 0) continue;
        const n = buildNotification({ receiver: integ.receiver, groupKey: g.key, groupLabels: g.labels, alerts, externalUrl: this.#opts.externalUrl, now });
        const p = integ.channel
          .send(n)
          .then(
            () => void metrics?.notifications.inc({ receiver: integ.receiver, channel: integ.channel.type }),
            (e: unknown) => {
              metrics?.notificationFailures.inc({ receiver: integ.receiver, channel: integ.channel.type });
              logger.warn('re-sending firing alerts failed; trying again at the next resend interval', { receiver: integ.receiver, integration: integ.name, group: g.labels, firing: alerts.length, err: e, code: 'DW_ALERT_DELIVERY' });
            },
          )
          .finally(() => {
            this.#lastPost.set(k, this.#opts.clock.now());
            this.#resends.delete(k);
          });
        this.#resends.set(k, p);
      }
    }
  }

  async #flush(g: AggregationGroup): Promise<void> {
    const { clock, nflog, logger, metrics } = this.#opts;
    const now = clock.now();
    g.nextFlushAt = now + g.route.groupIntervalMs;
    const snapshot = [...g.alerts.values()];
    const unmuted = snapshot.filter((a) => !this.#opts.isMuted(a));
    const firing = unmuted.filter((a) => a.state === 'firing');
    const resolved = unmuted.filter((a) => a.state === 'resolved');
    const firingKeys = new Set(firing.map(logKey));
    const resolvedKeys = new Set(resolved.map(logKey));
    const integrations = this.#opts.integrations.get(g.route.receiver) ?? [];
    const results = await Promise.all(
      integrations.map(async (integ) => {
        const entry = nflog.get(integ.receiver, integ.name, g.key);
        if (!needsUpdate(entry, firingKeys, resolvedKeys, integ.sendResolved, g.route.repeatIntervalMs, now)) return true;
        const toSend = integ.sendResolved ? unmuted : firing;
        if (toSend.length > 0) {
          const n = buildNotification({
            receiver: integ.receiver,
            groupKey: g.key,
            groupLabels: g.labels,
            alerts: toSend,
            externalUrl: this.#opts.externalUrl,
            now,
          });
          try {
            await this.#opts.owner?.fence();
          } catch (e) {
            logger.warn('not sent: this instance no longer owns notifications', { receiver: integ.receiver, integration: integ.name, err: e, code: 'DW_NOT_OWNER' });
            return false;
          }
          try {
            await integ.channel.send(n);
          } catch (e) {
            metrics?.notificationFailures.inc({ receiver: integ.receiver, channel: integ.channel.type });
            logger.error('notification failed; retrying at the next group interval', {
              receiver: integ.receiver,
              integration: integ.name,
              group: g.labels,
              firing: firing.length,
              resolved: resolved.length,
              err: e,
              code: 'DW_ALERT_DELIVERY',
            });
            return false;
          }
          metrics?.notifications.inc({ receiver: integ.receiver, channel: integ.channel.type });
          if (integ.channel.resendMs) this.#lastPost.set(postKey(integ, g.key), now);
          logger.info('notification sent', { receiver: integ.receiver, integration: integ.name, group: g.labels, status: n.status, firing: firing.length, resolved: integ.sendResolved ? resolved.length : 0 });
        }
        await nflog.record({ receiver: integ.receiver, integration: integ.name, groupKey: g.key, firing: [...firingKeys], resolved: [...resolvedKeys], sentAt: now }, g.route.repeatIntervalMs + NFLOG_RETENTION_MS);
        return true;
      }),
    );
    if (results.every(Boolean)) {
      // Resolved alerts that did not change during the flush have been told.
      for (const a of snapshot) if (a.state === 'resolved' && g.alerts.get(a.fingerprint) === a) g.alerts.delete(a.fingerprint);
    }
    if (g.alerts.size === 0) this.#groups.delete(g.key);
  }

  start(tickMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), tickMs);
    this.#timer.unref();
  }

  /** Stop the timer and wait for in-flight flushes and resends. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
    await Promise.all([...this.#resends.values()]);
  }

  /** The smallest useful timer period for these routes. */
  static tickFor(route: Route): number {
    let min = Infinity;
    const walk = (r: Route): void => {
      min = Math.min(min, r.groupWaitMs, r.groupIntervalMs);
      r.routes.forEach(walk);
    };
    walk(route);
    return Math.max(10, Math.min(1000, Math.floor(min / 4)));
  }
}

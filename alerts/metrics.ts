// Prometheus metrics of alerting, registered on the daemon's registry.
import { Counter, Gauge, type Registry } from 'prom-client';

export class AlertMetrics {
  readonly evaluations: Counter<'outcome'>;
  readonly transitions: Counter<'rule' | 'state'>;
  readonly alerts: Gauge<'state'>;
  readonly notifications: Counter<'receiver' | 'channel'>;
  /** Notifications not delivered after all attempts (or refused for good). */
  readonly notificationFailures: Counter<'receiver' | 'channel'>;
  /** Single attempts that failed and were retried. */
  readonly channelRetries: Counter<'channel'>;
  readonly outboxDeliveries: Counter<'action' | 'outcome'>;
  readonly outboxPending: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.evaluations = new Counter({ name: 'driftwatch_alert_evaluations_total', help: 'Detector runs evaluated by the alert engine.', labelNames: ['outcome'], registers });
    this.transitions = new Counter({ name: 'driftwatch_alert_transitions_total', help: 'Alert state transitions, by rule and the state entered.', labelNames: ['rule', 'state'], registers });
    this.alerts = new Gauge({ name: 'driftwatch_alerts', help: 'Alerts by state.', labelNames: ['state'], registers });
    this.notifications = new Counter({ name: 'driftwatch_alert_notifications_total', help: 'Notifications delivered.', labelNames: ['receiver', 'channel'], registers });
    this.notificationFailures = new Counter({
      name: 'driftwatch_alert_notification_failures_total',
      help: 'Notifications not delivered after all attempts; retried at the next group_interval.',
      labelNames: ['receiver', 'channel'],
      registers,
    });
    this.channelRetries = new Counter({ name: 'driftwatch_alert_channel_retries_total', help: 'Failed delivery attempts that were retried.', labelNames: ['channel'], registers });
    this.outboxDeliveries = new Counter({ name: 'driftwatch_alert_action_deliveries_total', help: 'Action webhook delivery outcomes.', labelNames: ['action', 'outcome'], registers });
    this.outboxPending = new Gauge({ name: 'driftwatch_alert_outbox_pending', help: 'Action webhooks waiting for delivery.', registers });
  }
}

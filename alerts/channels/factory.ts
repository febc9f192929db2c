// Build every receiver's integrations (one channel per *_configs entry) from
// config. Construction fails fast on what can be checked before the first
// alert (an unreadable CA file).
import type { Logger } from '../../src/core/log/logger.ts';
import type { ReceiverConfig } from '../config.ts';
import type { AlertMetrics } from '../metrics.ts';
import { AlertmanagerChannel } from './alertmanager.ts';
import type { Channel, ChannelContext } from './channel.ts';
import type { DeliveryPolicy } from './delivery.ts';
import { EmailChannel } from './email.ts';
import { PagerDutyChannel } from './pagerduty.ts';
import { SlackChannel, SlackQueues } from './slack.ts';
import { WebhookChannel } from './webhook.ts';

export interface Integration {
  receiver: string;
  /** e.g. slack[0]: the channel type and its index in the receiver. */
  name: string;
  sendResolved: boolean;
  channel: Channel;
}

export interface FactoryOptions {
  logger: Logger;
  metrics?: AlertMetrics;
  delivery: DeliveryPolicy;
}

export function buildIntegrations(receivers: ReadonlyArray<ReceiverConfig>, opts: FactoryOptions): Map<string, Integration[]> {
  const queues = new SlackQueues();
  const out = new Map<string, Integration[]>();
  for (const r of receivers) {
    const ctx: ChannelContext = { receiver: r.name, logger: opts.logger, metrics: opts.metrics, delivery: opts.delivery };
    const list: Integration[] = [];
    const add = (type: string, i: number, sendResolved: boolean, channel: Channel): void => void list.push({ receiver: r.name, name: `${type}[${i}]`, sendResolved, channel });
    r.slack_configs.forEach((c, i) => add('slack', i, c.send_resolved, new SlackChannel(c, ctx, queues)));
    r.email_configs.forEach((c, i) => add('email', i, c.send_resolved, new EmailChannel(c, ctx)));
    r.pagerduty_configs.forEach((c, i) => add('pagerduty', i, c.send_resolved, new PagerDutyChannel(c, ctx)));
    r.alertmanager_configs.forEach((c, i) => add('alertmanager', i, c.send_resolved, new AlertmanagerChannel(c, ctx)));
    r.webhook_configs.forEach((c, i) => add('webhook', i, c.send_resolved, new WebhookChannel(c, ctx)));
    out.set(r.name, list);
  }
  return out;
}

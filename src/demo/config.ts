// The demo's configuration, on top of embedded defaults: detectors every
// 30 s over 30-second windows, alert rules, a local receiver, and a signed
// rollback action for the fraud canary.
//   input-drift         every version against its own first minute (a pinned range)
//   canary-vs-champion  fraud/v2 against fraud/v1 in the same window
//   canary-ops          latency, errors, volume of fraud/v2 against fraud/v1
//   canary-quality      accuracy and friends once labels arrived, v2 against v1
//   churn-shadow        agreement of churn/v8 (shadow) with churn/v7
export const DEMO_SECRET_ENV = 'DW_DEMO_ROLLBACK_SECRET';

export interface DemoConfigOptions {
  dataDir: string;
  port: number;
  receiverUrl: string;
  /** Start of the reference range: the first minute of traffic. */
  referenceFrom: number;
  referenceTo: number;
  /** Kafka brokers to consume from; undefined: HTTP ingest only. */
  brokers?: string;
  /** Run detectors on their schedule (live) or only when asked (--exit). */
  schedule: boolean;
}

const WINDOW = { window: '30s', delay: '5s', schedule: '5,35 * * * * *' };

export function demoConfig(o: DemoConfigOptions): Record<string, unknown> {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    data_dir: o.dataDir,
    http: { port: o.port },
    log: { format: 'pretty', level: 'warn' },
    kafka: o.brokers ? { enabled: true, brokers: o.brokers, group_id: 'driftwatch-demo', from_beginning: true } : { enabled: false },
    ingest: { flush_interval: '500ms' },
    scheduler: { enabled: o.schedule, max_catchup: 4 },
    detectors: {
      min_samples: 150,
      jobs: [
        { name: 'input-drift', ...WINDOW, baseline: { type: 'range', from: iso(o.referenceFrom), to: iso(o.referenceTo) }, metrics: ['features', 'missing'] },
        { name: 'canary-vs-champion', ...WINDOW, models: ['fraud'], baseline: { type: 'version', version: 'v1' } },
      ],
      monitors: [
        { name: 'canary-ops', kind: 'operational', ...WINDOW, model: 'fraud', baseline: { type: 'version', version: 'v1' } },
        { name: 'canary-quality', kind: 'quality', window: '1m', delay: '45s', schedule: WINDOW.schedule, model: 'fraud', label_horizon: '10m', baseline: { type: 'version', version: 'v1' } },
        { name: 'churn-shadow', kind: 'shadow', ...WINDOW, model: 'churn', baseline: { type: 'version', version: 'v7' } },
      ],
    },
    alerts: {
      external_url: `http://127.0.0.1:${o.port}/`,
      rules: [
        {
          name: 'feature-drift',
          match: { metric: 'psi', detector: 'input-drift' },
          thresholds: { critical: 0.25 },
          annotations: { summary: 'psi of {{feature}} is {{value}} on {{model}}/{{version}} (threshold {{threshold}})', dashboard_url: `http://127.0.0.1:${o.port}/?model={{model}}&version={{version}}&range=15m` },
        },
        {
          name: 'canary-degraded',
          match: { metric: ['error_rate_delta', 'confidence_mean_drop', 'latency_p95_ratio'], model: 'fraud', version: 'v2' },
          severity: 'critical',
          annotations: { summary: '{{metric}} of the canary {{model}}/{{version}} is {{value}} against the champion' },
          actions: ['rollback-fraud'],
        },
      ],
      route: { receiver: 'demo', group_by: ['alertname', 'model', 'version'], group_wait: '1s', group_interval: '30s', repeat_interval: '1h' },
      receivers: [{ name: 'demo', webhook_configs: [{ url: `${o.receiverUrl}/alerts` }] }],
      actions: [{ name: 'rollback-fraud', type: 'rollback', url: `${o.receiverUrl}/rollback`, secret: `\${${DEMO_SECRET_ENV}}`, cooldown: '10m', timeout: '5s' }],
      outbox: { poll_interval: '500ms' },
    },
  };
}

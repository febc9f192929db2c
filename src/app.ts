// Assembles the daemon from config: store, Kafka, HTTP and (as they land)
// ingest, detectors and alerting. Start order is the list order; the daemon
// stops them in reverse.
import type { Registry } from 'prom-client';
import { AlertingComponent } from '../alerts/component.ts';
import { registerAlertRoutes } from '../alerts/http.ts';
import type { Config } from './config/schema.ts';
import { addReadRoutes } from './api/read-routes.ts';
import { addBaselineRoutes, baselineRouteOptions } from './api/baseline-routes.ts';
import { addDetectRoutes } from './api/detect-routes.ts';
import { addSqlRoutes, sqlRouteOptions } from './api/sql-routes.ts';
import { sqlStore } from './api/sql-store.ts';
import { addVersionsRoutes } from './api/versions-routes.ts';
import { addGateRoutes } from './api/gate-routes.ts';
import { GateService } from './api/gate-service.ts';
import { HttpServer } from './http/server.ts';
import { configuredTokens } from './http/tokens-config.ts';
import { Router } from './core/http/router.ts';
import { createKafka } from './kafka/client.ts';
import { createIngest } from './ingest/index.ts';
import { Daemon } from './lifecycle/daemon.ts';
import { DaemonFile } from './lifecycle/daemon-file.ts';
import type { Logger } from './core/log/logger.ts';
import { ModelMetricsCollector } from './metrics/model-collector.ts';
import { ModelMetrics } from './metrics/model-metrics.ts';
import { createRegistry } from './metrics/registry.ts';
import { ScoreGauges } from './metrics/score-gauges.ts';
import { VersionAgeGauges } from './metrics/version-age.ts';
import { schedulerFromConfig } from './scheduler/from-config.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import { StoreComponent } from './store/store-component.ts';
import { parseDuration } from './core/util/duration.ts';

export interface App {
  daemon: Daemon;
  http: HttpServer;
  router: Router;
  registry: Registry;
  storeComponent: StoreComponent;
  scheduler: Scheduler;
  modelMetrics: ModelMetrics;
  alerting: AlertingComponent;
}

export interface AppOptions {
  logger: Logger;
  exit?: (code: number) => void;
}

export function createApp(config: Config, opts: AppOptions): App {
  const { logger } = opts;
  const daemon = new Daemon({ logger, shutdownTimeoutMs: parseDuration(config.shutdown_timeout), exit: opts.exit });
  const registry = createRegistry();
  const router = new Router();
  const http = new HttpServer({
    host: config.http.host,
    port: config.http.port,
    router,
    registry,
    logger: logger.child({ component: 'http' }),
    tokens: configuredTokens(config.http),
    readiness: () => daemon.readiness(),
    liveness: () => ({ state: daemon.getState() }),
  });
  const storeComponent = new StoreComponent(config, logger.child({ component: 'store' }), daemon.startSignal);

  const store = () => storeComponent.store;
  const modelMetrics = new ModelMetrics(registry);
  const scheduler = schedulerFromConfig(config, store, logger.child({ component: 'scheduler' }), registry);
  const scoreGauges = new ScoreGauges(registry);
  scheduler.onScores(async (run) => scoreGauges.update(run.scores));
  const versionAge = new VersionAgeGauges(registry);
  scheduler.onScores(async (run) => versionAge.update(run.scores));
  const alerting = new AlertingComponent({ config: config.alerts, store, logger: logger.child({ component: 'alerting' }), registry });
  scheduler.onScores(async (run) => {
    await alerting.evaluate(run);
  });

  addSqlRoutes(router, sqlStore(config, store), sqlRouteOptions(config.http.sql));
  addVersionsRoutes(router, store, { minCount: config.detectors.min_samples });
  addReadRoutes(router, store);
  addDetectRoutes(router, () => scheduler);
  addBaselineRoutes(router, store, baselineRouteOptions(config.baselines, logger.child({ component: 'baselines' })));
  registerAlertRoutes(router, alerting);
  // Rollout gate: verdicts for controllers; rollbacks go through alerting's outbox.
  const gate = new GateService({ store, gates: config.gates, actions: config.alerts.actions, outbox: () => (alerting.started ? alerting.outbox : null), logger: logger.child({ component: 'gate' }), registry, externalUrl: config.alerts.external_url });
  addGateRoutes(router, gate, { tokens: configuredTokens(config.http) });

  // HTTP first so /healthz and /readyz answer while the store is still being
  // reached; it stops last so /readyz reports the drain.
  daemon.add(http);
  daemon.add(storeComponent);
  // Written once the engine's lock is ours; removed before the store closes.
  if (!config.clickhouse.url) daemon.add(new DaemonFile(config.data_dir, () => http.port, logger));
  daemon.add(new ModelMetricsCollector(store, modelMetrics, logger.child({ component: 'model-metrics' })));
  // After the store, before the scheduler: alerting stops once the last run
  // was evaluated and before the store closes.
  daemon.add(alerting);
  if (config.scheduler.enabled) daemon.add(scheduler);
  // Ingest: buffer (HTTP ingest works without Kafka) and, when enabled, the
  // consumer; it stops before the buffer, which stops before the store.
  const ingest = createIngest(config, { store, registry, router, logger, kafka: config.kafka.enabled ? createKafka(config.kafka, logger) : undefined });
  for (const c of ingest.components) daemon.add(c);
  return { daemon, http, router, registry, storeComponent, scheduler, modelMetrics, alerting };
}

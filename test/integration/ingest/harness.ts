// Ingest in the test process, over the real embedded engine and a real broker,
// with the store wrapped by the test (fault injection) when it wants to.
import type { Registry } from 'prom-client';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createIngest, type Ingest } from '../../../src/ingest/index.ts';
import { Router } from '../../../src/core/http/router.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { createLogger, type Logger } from '../../../src/core/log/logger.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { uniqueGroup } from '../../helpers/kafka.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import type { Topics } from './daemon.ts';

export interface Harness {
  ingest: Ingest;
  router: Router;
  registry: Registry;
  config: Config;
  logs: string[];
  /** Sum of a metric's samples (optionally those whose labels include `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export async function startIngest(opts: {
  store: Store;
  brokers?: string[];
  topics?: Topics;
  group?: string;
  ingest?: Record<string, unknown>;
  kafka?: Record<string, unknown>;
  /** HTTP ingest's local state (spool, journals); default: a fresh temporary directory. */
  stateDir?: string;
  clickhouse?: Record<string, unknown>;
}): Promise<Harness> {
  const config = parseConfig({
    kafka: opts.topics
      ? { enabled: true, brokers: opts.brokers, group_id: opts.group ?? uniqueGroup('dw-ingest'), topics: opts.topics, connect_retry_max: '2s', session_timeout: '6s', heartbeat_interval: '1s', ...opts.kafka }
      : { enabled: false },
    ingest: opts.ingest ?? {},
    clickhouse: opts.clickhouse ?? {},
  });
  const state = opts.stateDir ? null : tempDir('dw-ingest-state-');
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'info', sink: (l) => void logs.push(l) });
  const registry = createRegistry({ defaultMetrics: false });
  const router = new Router();
  const ingest = createIngest(config, {
    store: () => opts.store,
    registry,
    router,
    logger,
    kafka: config.kafka.enabled ? createKafka(config.kafka, logger) : undefined,
    stateDir: opts.stateDir ?? state!.path,
  });
  for (const c of ingest.components) await c.start();
  return {
    ingest,
    router,
    registry,
    config,
    logs,
    async metric(name, labels = {}) {
      const m = registry.getSingleMetric(name);
      if (!m) return 0;
      const { values } = await m.get();
      return values.filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)).reduce((n, v) => n + v.value, 0);
    },
    async stop() {
      const deadline = new AbortController();
      const t = setTimeout(() => deadline.abort(), 30_000);
      for (const c of [...ingest.components].reverse()) await c.stop(deadline.signal);
      clearTimeout(t);
      state?.remove();
    },
  };
}

export async function countRows(store: Store, sql: string): Promise<number> {
  const [r] = await store.query<{ c: string }>(sql);
  return Number(r?.c ?? 0);
}

// kafkajs client construction from config, with kafkajs's own logs routed into
// ours (it logs a lot at info; we keep warn and above).
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { pickSecret } from '../core/config/secret.ts';
import type { Logger } from '../core/log/logger.ts';
import { parseDuration } from '../core/util/duration.ts';
import { registerCodecs } from './codecs/index.ts';
import { installReadCommitted } from './read-committed.ts';

export function createKafka(cfg: Config['kafka'], logger: Logger, clientIdSuffix = ''): Kafka {
  // kafkajs ships gzip only: every codec, guarded against poison batches.
  registerCodecs();
  // kafkajs's read_committed filter lets aborted records through (read-committed.ts).
  if (!installReadCommitted()) logger.warn('could not install the read_committed fix into kafkajs; aborted transactional records may be stored');
  let sasl: SASLOptions | undefined;
  if (cfg.sasl) {
    const password = pickSecret(cfg.sasl.password, cfg.sasl.password_file)?.reveal() ?? '';
    sasl = { mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password } as SASLOptions;
  }
  const log = logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: cfg.client_id + clientIdSuffix,
    brokers: [...cfg.brokers],
    ssl: cfg.ssl,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 300, maxRetryTime: parseDuration(cfg.connect_retry_max), retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        const fields = { ...rest } as Record<string, unknown>;
        delete fields.timestamp;
        delete fields.logger;
        if (level <= logLevel.ERROR) log.error(String(message), fields);
        else log.warn(String(message), fields);
      },
  };
  return new Kafka(config);
}

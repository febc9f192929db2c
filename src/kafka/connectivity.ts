// Watches broker reachability so that /readyz and the log say clearly when
// Kafka is down. Never throws and never crash-loops: it retries on a timer
// with capped backoff and reports the last outcome.
import type { Admin, Kafka } from 'kafkajs';
import { describeError } from '../errors.ts';
import type { Component, Readiness } from '../lifecycle/component.ts';
import type { Logger } from '../log/logger.ts';
import { backoffDelay } from '../util/backoff.ts';

export class KafkaConnectivity implements Component {
  readonly name = 'kafka';
  #status: Readiness;
  #timer: NodeJS.Timeout | null = null;
  #admin: Admin | null = null;
  #failures = 0;
  #stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly brokers: readonly string[],
    private readonly logger: Logger,
    private readonly maxDelayMs: number,
  ) {
    this.#status = { ready: false, reason: `connecting to brokers ${brokers.join(',')}` };
  }

  async start(): Promise<void> {
    // Do not block start on Kafka: the daemon serves /readyz and the HTTP
    // ingest path while the brokers are away.
    void this.#check();
  }

  async #check(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.#admin ??= this.kafka.admin();
      await this.#admin.connect();
      const cluster = await this.#admin.describeCluster();
      if (!this.#status.ready) this.logger.info('Kafka reachable', { brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`), cluster_id: cluster.clusterId });
      this.#status = { ready: true, reason: `${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}` };
      this.#failures = 0;
      this.#schedule(30_000);
    } catch (e) {
      this.#failures++;
      const delay = backoffDelay(this.#failures, { baseMs: 500, maxMs: this.maxDelayMs });
      this.#status = { ready: false, reason: `Kafka brokers ${this.brokers.join(',')} unreachable: ${describeError(e)}` };
      this.logger.warn('Kafka unreachable, will retry', { brokers: this.brokers, attempt: this.#failures, retry_in_ms: delay, error: describeError(e), code: 'DW_KAFKA_UNREACHABLE' });
      await this.#admin?.disconnect().catch(() => undefined);
      this.#admin = null;
      this.#schedule(delay);
    }
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#check(), ms);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#admin?.disconnect().catch(() => undefined);
    this.#admin = null;
  }

  readiness(): Readiness {
    return this.#status;
  }
}

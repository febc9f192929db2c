// Waits until a Kafka broker answers real client requests, not just TCP:
// a KRaft broker opens its listener before it has registered with the
// controller, and metadata then lists no brokers. Used by scripts/kafka.sh.
//
//   node scripts/kafka-wait.mjs 127.0.0.1:9092 [timeoutSeconds=90]
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const timeoutMs = Number(process.argv[3] ?? 90) * 1000;
const deadline = Date.now() + timeoutMs;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe() {
  // retry: 0 - this loop owns the retrying, with its own deadline.
  const kafka = new Kafka({ clientId: 'driftwatch-kafka-wait', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 5000 });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
      throw new Error('metadata lists no broker or controller yet');
    }
    await admin.listTopics();
    return cluster;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

let lastError = 'no attempt';
for (;;) {
  try {
    const cluster = await probe();
    console.error(`kafka-wait: ${brokers.join(',')} ready (cluster ${cluster.clusterId}, controller ${cluster.controller})`);
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
  }
  if (Date.now() >= deadline) {
    console.error(`kafka-wait: ${brokers.join(',')} not ready after ${timeoutMs / 1000}s: ${lastError}`);
    process.exit(1);
  }
  await sleep(250);
}

import { defineConfig } from 'vitest/config';

// Unit and integration tests run together. Integration tests talk to a real
// Kafka broker (started by the global setup unless KAFKA_BROKERS is set) and
// to the embedded ClickHouse engine. chDB binds one data directory per
// process, so every test file runs in its own forked process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/kafka.global.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    isolate: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

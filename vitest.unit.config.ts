import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// `npm run test:unit`: the tests that need no Kafka broker, no ClickHouse
// engine and no child process (statistics, config, alert engine, routing,
// decoders, channels against loopback receivers). Seconds, not minutes; no
// global setup, so nothing is started. A test file is an integration test
// when it lives under test/integration, test/lifecycle or test/cli, or when
// its source reaches for one of those resources: no list to keep up to date.
const ROOT = import.meta.dirname;
const NEEDS_SERVICES = /helpers\/(kafka|store|cli|prometheus)\.ts|from 'kafkajs'|openEmbeddedStore|openStore|chdb|node:child_process|startDaemon|startClickHouseServer|runCompare|compareFiles/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

export const integrationFiles = testFiles(join(ROOT, 'test'))
  .filter((f) => NEEDS_SERVICES.test(readFileSync(f, 'utf8')))
  .map((f) => relative(ROOT, f));

export default mergeConfig(
  { ...base, test: { ...base.test, globalSetup: [] } },
  defineConfig({ test: { exclude: ['node_modules/**', 'test/integration/**', 'test/lifecycle/**', 'test/cli/**', ...integrationFiles] } }),
);

// Vitest global setup: a real Kafka broker for the whole run.
//
// With KAFKA_BROKERS set (e.g. CI with its own broker, or a developer's
// `bash scripts/kafka.sh start`), that broker is used and nothing starts.
// Otherwise scripts/kafka.sh starts a dedicated one in .kafka/test on port
// 19092 (KAFKA_TEST_PORT overrides; a free port is taken if that one is busy,
// e.g. another checkout's test run) and stops it when the run ends.
// KAFKA_VERSION picks the broker version (3.9.1 when unset); another version
// gets its own state dir (.kafka/test-4.4.0), so an interrupted run's broker
// of one version is never taken for the other.
//
// Besides the brokers, workers learn the broker version (kafkaVersion) and,
// for a broker started here, its log dir (kafkaLogDir): the poison-batch
// tests corrupt record batches on disk, the way bit rot would.
//
// Workers learn the brokers two ways: process.env.KAFKA_BROKERS (forked
// workers inherit the environment of the main process, which this sets before
// the pool starts) and inject('kafkaBrokers') (vitest's provide/inject, which
// also reaches workers that do not inherit env, e.g. threads or browser).
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../testkit/ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated host:port list of the Kafka broker(s) for this run. */
    kafkaBrokers: string;
    /** Apache Kafka version of the broker (KAFKA_VERSION, or kafka.sh's default). */
    kafkaVersion: string;
    /** The broker's log.dirs when this setup started it, else ''. */
    kafkaLogDir: string;
  }
}

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(REPO_ROOT, 'scripts', 'kafka.sh');
const VERSION_OVERRIDE = process.env.KAFKA_VERSION?.trim();
const STATE_DIR = join(REPO_ROOT, '.kafka', VERSION_OVERRIDE ? `test-${VERSION_OVERRIDE}` : 'test');
const DEFAULT_PORT = 19092;

/** True when something on 127.0.0.1 accepts connections on this port. */
async function portInUse(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolvePort) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

async function kafkaSh(command: 'start' | 'stop' | 'status' | 'version', env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('bash', [SCRIPT, command], {
    cwd: REPO_ROOT,
    env,
    // Cold start fetches ~46 MB of jars with mvn, then waits up to 90 s for
    // the broker; leave room for both on a slow 2-core machine.
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

async function brokerEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_STATE_DIR: STATE_DIR };
  delete env.KAFKA_KEEP_DATA; // tests want a fresh broker
  // A broker left running by an interrupted run is reused (and stopped in
  // teardown); kafka.sh reports the port it actually listens on.
  const alive = await kafkaSh('status', env).then(
    () => true,
    () => false,
  );
  if (alive) return env;
  let port = Number(process.env.KAFKA_TEST_PORT ?? DEFAULT_PORT);
  let controllerPort = port + 1000;
  if (!process.env.KAFKA_TEST_PORT && ((await portInUse(port)) || (await portInUse(controllerPort)))) {
    port = await freePort();
    controllerPort = await freePort();
  }
  return { ...env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = process.env.KAFKA_VERSION?.trim() || (await kafkaSh('version', process.env));
  process.env.KAFKA_TEST_VERSION = version;
  project.provide('kafkaVersion', version);
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) {
    project.provide('kafkaBrokers', given);
    // A broker someone else runs: its log dir is known only if they say so.
    project.provide('kafkaLogDir', process.env.KAFKA_LOG_DIR ?? '');
    return async () => {};
  }

  const env = await brokerEnv();
  const started = Date.now();
  let brokers: string;
  try {
    // kafka.sh prints only the brokers string on stdout (last line).
    brokers = (await kafkaSh('start', env)).split('\n').pop() ?? '';
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`could not start the test Kafka broker with scripts/kafka.sh:\n${e.stderr ?? e.message}`, { cause: err });
  }
  if (!/^[^\s:]+:\d+$/.test(brokers)) {
    throw new Error(`scripts/kafka.sh start printed no brokers string (got ${JSON.stringify(brokers)})`);
  }
  console.log(`kafka: test broker ${brokers} (Kafka ${version}) ready in ${((Date.now() - started) / 1000).toFixed(1)}s (state ${STATE_DIR})`);
  process.env.KAFKA_BROKERS = brokers;
  process.env.KAFKA_LOG_DIR = join(STATE_DIR, 'data');
  project.provide('kafkaBrokers', brokers);
  project.provide('kafkaLogDir', process.env.KAFKA_LOG_DIR);

  return async () => {
    delete process.env.KAFKA_BROKERS;
    delete process.env.KAFKA_LOG_DIR;
    try {
      await kafkaSh('stop', env);
    } catch (err) {
      const e = err as Error & { stderr?: string };
      console.error(`kafka: stopping the test broker failed: ${e.stderr ?? e.message}`);
    }
  };
}

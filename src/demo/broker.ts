// A local Kafka broker for the demo: scripts/kafka.sh with its own state
// directory and a free port, stopped with the demo. The broker runs in its
// own session (setsid), so a terminal's Ctrl-C never reaches it: stop() is
// what ends it.
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const KAFKA_SCRIPT = resolve(import.meta.dirname, '../../scripts/kafka.sh');

export interface LocalBroker {
  brokers: string;
  stop(): Promise<void>;
}

/** True when a Java runtime is on PATH (the broker needs 17+; kafka.sh checks the version). */
export function javaAvailable(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    execFile('bash', [KAFKA_SCRIPT, ...args], { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`scripts/kafka.sh ${args.join(' ')} failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' / ')}`));
      else res(stdout);
    });
  });
}

export async function startLocalBroker(stateDir: string): Promise<LocalBroker> {
  const env = { ...process.env, KAFKA_STATE_DIR: stateDir, KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()) };
  // A broker left by a demo that was killed (kill -9) holds this state dir: stop it first.
  await run(['stop'], env, 60_000).catch(() => undefined);
  const out = await run(['start'], env, 300_000);
  const brokers = out.trim().split('\n').pop() ?? '';
  if (!/^[\w.-]+:\d+$/.test(brokers)) throw new Error(`scripts/kafka.sh start printed no brokers string (got ${JSON.stringify(out.slice(-200))})`);
  let stopped: Promise<void> | null = null;
  return {
    brokers,
    stop: () => (stopped ??= run(['stop'], env, 60_000).then(() => undefined)),
  };
}

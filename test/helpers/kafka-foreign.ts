// Producers that are not kafkajs, for the tests that prove driftwatch reads
// what real clients write: kcat (librdkafka, Debian's package), the Java
// console producer from the broker's own jars (scripts/kafka.sh run-class),
// and Python's confluent-kafka (librdkafka again, a newer one) for
// transactions.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli.ts';
import { kafkaVersion } from './kafka.ts';

const run = promisify(execFile);

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const CODECS: readonly Codec[] = ['gzip', 'snappy', 'lz4', 'zstd'];

export interface Line {
  key?: string;
  value: string;
  headers?: Record<string, string>;
}

/** Runs a command with stdin, rejecting with its stderr on a non-zero exit. */
function runWithInput(cmd: string, args: string[], input: string | Buffer, env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.slice(0, 6).join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
    child.stdin.end(input);
  });
}

/**
 * kcat (librdkafka) producing `lines` (one message each, key before a tab)
 * to one partition. All lines share the headers given; librdkafka batches
 * them (linger) into as few record batches as it can, compressed with codec.
 * (kcat waits out linger.ms before it exits, so it is 2 s, not more.)
 */
export async function kcatProduce(brokers: string[], topic: string, codec: Codec, lines: Line[], opts: { partition?: number; headers?: Record<string, string>; extra?: string[] } = {}): Promise<void> {
  const args = ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(opts.partition ?? 0), '-z', codec, '-K', '\t', '-X', 'linger.ms=2000', '-X', 'batch.num.messages=100000'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(...(opts.extra ?? []));
  const input = lines.map((l) => `${l.key ?? ''}\t${l.value}\n`).join('');
  await runWithInput('kcat', args, input);
}

/** kcat producing each file as one message (file mode), e.g. Arrow IPC streams. */
export async function kcatProduceFiles(brokers: string[], topic: string, codec: Codec, files: string[], opts: { partition?: number; key?: string; headers?: Record<string, string> } = {}): Promise<void> {
  const args = ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(opts.partition ?? 0), '-z', codec, '-X', 'linger.ms=2000'];
  if (opts.key !== undefined) args.push('-k', opts.key);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  await run('kcat', [...args, ...files], { timeout: 120_000 });
}

/** Writes each buffer to a file under dir and returns the paths. */
export function writeFiles(dir: string, name: string, contents: Uint8Array[]): string[] {
  return contents.map((c, i) => {
    const path = join(dir, `${name}-${i}.bin`);
    writeFileSync(path, c);
    return path;
  });
}

/** The console producer's main class: in the core jar up to 3.x, in kafka-tools from 4.0. */
function consoleProducerClass(): string {
  return Number(kafkaVersion().split('.')[0]) >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer';
}

/**
 * The Java client (the broker distribution's console producer) producing
 * `lines`, each with its own headers and key, compressed with codec. One
 * JVM, one linger window: the lines land in one record batch.
 */
export async function consoleProduce(brokers: string[], topic: string, codec: Codec, lines: Line[], opts: { extraProps?: Record<string, string> } = {}): Promise<void> {
  const v4 = Number(kafkaVersion().split('.')[0]) >= 4;
  const reader = v4 ? '--reader-property' : '--property';
  const producer = v4 ? '--command-property' : '--producer-property';
  const args = [join(REPO_ROOT, 'scripts/kafka.sh'), 'run-class', consoleProducerClass(), '--bootstrap-server', brokers.join(','), '--topic', topic, '--compression-codec', codec];
  args.push(reader, 'parse.key=true', reader, 'parse.headers=true', reader, 'ignore.error=false');
  args.push(producer, 'linger.ms=10000', producer, 'batch.size=1048576', producer, 'acks=all');
  for (const [k, v] of Object.entries(opts.extraProps ?? {})) args.push(producer, `${k}=${v}`);
  // headers.delimiter and key.separator are both tabs: "h1:v1,h2:v2<TAB>key<TAB>value".
  const input = lines
    .map((l) => {
      // The reader needs at least one header once parse.headers is on.
      const headers = Object.entries({ 'x-producer': 'java', ...l.headers })
        .map(([k, v]) => `${k}:${v}`)
        .join(',');
      return `${headers}\t${l.key ?? ''}\t${l.value}\n`;
    })
    .join('');
  await runWithInput('bash', args, input, { ...process.env, KAFKA_VERSION: kafkaVersion() });
}

/** True when python3 can import confluent_kafka (installed by .ci/run with pip). */
export async function hasConfluentKafka(): Promise<boolean> {
  try {
    await run('python3', ['-c', 'import confluent_kafka'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs a Python script with JSON on stdin; returns its stdout. */
export function runPython(script: string, input: unknown, timeoutMs = 120_000): Promise<string> {
  return runWithInput('python3', [script], JSON.stringify(input), process.env, timeoutMs);
}

/**
 * The Java client reading a topic from the beginning (the console consumer,
 * org.apache.kafka.tools.consumer.ConsoleConsumer in 3.9 and 4.x): the
 * values, one line each, until `max` messages or 20 s without one.
 */
export async function consoleConsume(brokers: string[], topic: string, max: number): Promise<string[]> {
  const args = [join(REPO_ROOT, 'scripts/kafka.sh'), 'run-class', 'org.apache.kafka.tools.consumer.ConsoleConsumer', '--bootstrap-server', brokers.join(','), '--topic', topic, '--from-beginning', '--max-messages', String(max), '--timeout-ms', '20000'];
  const out = await runWithInput('bash', args, '', { ...process.env, KAFKA_VERSION: kafkaVersion() });
  return out.split('\n').filter((l) => l.length > 0);
}

export interface KcatMessage {
  key: string | null;
  payload: string | null;
  headers: string[] | null;
  offset: number;
  partition: number;
}

/** kcat (librdkafka) reading a whole topic (-e: until its end), JSON envelope per message. */
export async function kcatConsume(brokers: string[], topic: string): Promise<KcatMessage[]> {
  const { stdout } = await run('kcat', ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as KcatMessage);
}

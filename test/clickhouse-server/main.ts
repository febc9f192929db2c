// A small ClickHouse HTTP server over one chDB engine, for tests only: several
// driftwatch processes pointed at it with `clickhouse.url` share one store.
//
//   node --import tsx test/clickhouse-server/main.ts --data <dir> [--port <n>] [--host 127.0.0.1]
//        [--user <name> --password <pw>] [--setting name=value ...] [--verbose] [--exit-with-stdin]
//        [--insert-delay-ms <n>]
//
// Prints `clickhouse-test-server listening on http://HOST:PORT (...)` on
// stdout once it answers; SIGTERM or SIGINT let running queries finish,
// close the engine and exit 0. What it does and does not reproduce of a
// ClickHouse server: test/clickhouse-server/README.md.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from './server.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    user: { type: 'string' },
    password: { type: 'string', default: '' },
    verbose: { type: 'boolean', default: false },
    /** Shut down when stdin closes: a parent that dies (even by SIGKILL) takes the server with it. */
    'exit-with-stdin': { type: 'boolean', default: false },
    /** A setting of the default profile (repeatable), e.g. to act as an older server's defaults. */
    setting: { type: 'string', multiple: true, default: [] },
    /** Hold every INSERT that carries data this long after it arrived (a loaded server). */
    'insert-delay-ms': { type: 'string', default: '0' },
  },
  strict: true,
});

if (!values.data) {
  process.stderr.write('usage: main.ts --data <dir> [--port <n>] [--host <addr>] [--user <name> --password <pw>] [--setting name=value ...] [--verbose]\n');
  process.exit(2);
}

const dataDir = resolve(values.data);
const profile = values.setting.map((kv): [string, string] => {
  const eq = kv.indexOf('=');
  if (eq <= 0) {
    process.stderr.write(`--setting wants name=value, got ${kv}\n`);
    process.exit(2);
  }
  return [kv.slice(0, eq), kv.slice(eq + 1)];
});
const server = await startServer({
  dataDir,
  host: values.host,
  port: Number(values.port),
  users: { [values.user ?? 'default']: values.password ?? '' },
  profile,
  verbose: values.verbose,
  insertDelayMs: Number(values['insert-delay-ms']),
});
process.stdout.write(`clickhouse-test-server listening on ${server.url} (engine ${server.engine.version}, data ${dataDir}, pid ${process.pid})\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`clickhouse-test-server: ${signal}, finishing running queries\n`);
  server.close().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`clickhouse-test-server: shutdown failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (values['exit-with-stdin']) {
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.resume();
}

// The embedded ClickHouse engine (chDB) behind @clickhouse/client. One data
// directory per process and one process per directory: the engine locks it,
// so a second opener gets DW_STORE_LOCKED with a hint to use the daemon's API.
// chdb is an optional dependency (the engine is ~550 MB): it is imported only
// here, only when a store is opened, so a server-mode install (clickhouse.url
// set, `npm install --omit=optional`) never loads it, and a missing engine
// when one is needed is DW_STORE_ENGINE_MISSING naming the package.
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import { DriftwatchError } from '../errors.ts';
import { storeOverClient } from './client-ops.ts';
import { sqlString } from './sql-literal.ts';
import type { Store } from './store.ts';

let openPath: string | null = null;

/** Batches from this size on are inserted through a file (see insertRaw). */
export const FILE_INSERT_BYTES = 1024 * 1024;

function settingName(k: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new DriftwatchError('DW_STORE_QUERY', `not a setting name: ${JSON.stringify(k)}`);
  return k;
}

export interface EmbeddedOptions {
  /** Directory of the engine's files (created when missing). */
  path: string;
  database: string;
}

function isLockError(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /Cannot lock file|Resource temporarily unavailable|already locked|different on-disk path/i.test(msg);
}

type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

// chdb types its connection against @clickhouse/client-common while the
// client bundles its own copy of the same types; they are structurally equal.
function clientOver(connection: ChdbConnection) {
  return createClient({ connection: connection as unknown as ClientConnection });
}

type CreateConnection = (opts: { path: string }) => ChdbConnection;

/** The engine's package, loaded on first use. */
export const ENGINE_PACKAGE = 'chdb';

function isModuleMissing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package) ['"]?chdb/.test(String((e as Error)?.message));
}

let loading: Promise<CreateConnection> | null = null;

/** chdb's connection factory, imported once; DW_STORE_ENGINE_MISSING when the package (or its native library) is not installed. */
export function loadEngine(importer: () => Promise<{ createChdbConnection: CreateConnection }> = () => import('chdb/connection')): Promise<CreateConnection> {
  loading ??= importer().then(
    (m) => m.createChdbConnection,
    (e: unknown) => {
      loading = null;
      const why = isModuleMissing(e) ? 'is not installed' : `could not be loaded (${(e as Error)?.message ?? String(e)})`;
      throw new DriftwatchError(
        'DW_STORE_ENGINE_MISSING',
        `the embedded ClickHouse engine (npm package "${ENGINE_PACKAGE}", an optional dependency) ${why}; install it with \`npm install ${ENGINE_PACKAGE}\` next to driftwatch, or set clickhouse.url to use a ClickHouse server`,
        { cause: e },
      );
    },
  );
  return loading;
}

export async function openEmbeddedStore(opts: EmbeddedOptions): Promise<Store> {
  const createChdbConnection = await loadEngine();
  const path = resolve(opts.path);
  if (openPath !== null && openPath !== path) {
    throw new DriftwatchError('DW_STORE_LOCKED', `this process already holds the embedded store at ${openPath}; the engine allows one data directory per process (asked for ${path})`);
  }
  mkdirSync(path, { recursive: true });
  let connection: ChdbConnection;
  try {
    connection = createChdbConnection({ path });
  } catch (e) {
    if (isLockError(e)) {
      throw new DriftwatchError('DW_STORE_LOCKED', `the embedded store at ${path} is held by another process (a running daemon?); use its HTTP API or stop it first`, { cause: e });
    }
    throw new DriftwatchError('DW_STORE_UNREACHABLE', `cannot open the embedded store at ${path}: ${(e as Error).message}`, { cause: e });
  }
  const client = clientOver(connection);
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` });
    // The chDB connection ignores the client's `database` option, but its
    // session keeps USE, so every later statement runs in our database.
    await client.command({ query: `USE ${opts.database}` });
  } catch (e) {
    await client.close().catch(() => undefined);
    if (isLockError(e)) {
      throw new DriftwatchError('DW_STORE_LOCKED', `the embedded store at ${path} is held by another process (a running daemon?); use its HTTP API or stop it first`, { cause: e });
    }
    throw new DriftwatchError('DW_STORE_UNREACHABLE', `cannot open the embedded store at ${path}: ${(e as Error).message}`, { cause: e });
  }
  openPath = path;
  // Batches on their way into the engine (see insertRaw); a crash can leave some.
  const insertDir = join(path, 'insert-files');
  rmSync(insertDir, { recursive: true, force: true });
  mkdirSync(insertDir, { recursive: true });
  let insertSeq = 0;
  return storeOverClient({
    kind: 'embedded',
    database: opts.database,
    location: path,
    client,
    // Batches of 1 MiB or more go through a file the engine reads itself
    // (INSERT ... FROM INFILE): its file reader parses about 1.5x faster than
    // chDB's raw insert of the same bytes from memory (13 against 19 us of
    // CPU per 700-byte prediction with its 20 feature rows), and the process
    // does not hold a second copy of the batch (bench:ingest peaks ~200 MB
    // lower). An HTTP request of 5,000 events (2.8 MB) is stored in 86-93 ms
    // this way against 106-109 ms from memory (bench:http, quiet machine);
    // smaller ones stay in memory, where the file's fixed cost would weigh.
    // Same settings and deduplication token either way.
    insertRaw: async (table, format, body, iopts) => {
      const settings = { ...iopts?.settings, ...(iopts?.dedupToken ? { insert_deduplication_token: iopts.dedupToken } : {}) };
      if (body.length < FILE_INSERT_BYTES) {
        await connection.chdb.rawInsert({ table, values: body, format, settings });
        return;
      }
      const file = join(insertDir, `${process.pid}-${++insertSeq}.${format.toLowerCase()}`);
      await writeFile(file, body);
      try {
        const clause = Object.entries(settings)
          .map(([k, v]) => `${settingName(k)} = ${typeof v === 'string' ? sqlString(v) : Number(v)}`)
          .join(', ');
        await client.command({ query: `INSERT INTO ${table} FROM INFILE ${sqlString(file)}${clause ? ` SETTINGS ${clause}` : ''} FORMAT ${format}` });
      } finally {
        await rm(file, { force: true });
      }
    },
    // Same-path connections share the engine but not session state, so a
    // short-lived one (a few ms) keeps per-query settings such as readonly
    // from sticking to the main session.
    scopedClient: async () => {
      const scoped = clientOver(createChdbConnection({ path }));
      await scoped.command({ query: `USE ${opts.database}` });
      return { client: scoped, release: () => scoped.close() };
    },
    // The engine itself stays loaded for the life of the process (chDB cannot
    // reopen a different directory), so closing releases only the client.
    onClose: async () => undefined,
  });
}

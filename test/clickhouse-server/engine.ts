// One chDB engine for the whole server, and the per-request sessions on it.
//
// chDB lets any number of native connections share one data directory in a
// process; each connection has its own session state (current database,
// settings set with SET). A ClickHouse server applies a request's settings to
// that request only, so every request runs on a connection whose state is
// exactly its (database, settings): a fresh one, or an idle one that was
// opened for the same (database, settings) and ran nothing that changes
// state (SET, USE, temporary tables). Named HTTP sessions (session_id) keep
// their own connection between requests, as a server keeps the session.
//
// The native addon is called directly rather than through Session.queryAsync
// for two reasons: bound parameters must reach the engine as the wire strings
// the client sent (chDB's JS binder would re-escape them), and an INSERT's
// prefix is whatever SQL the client sent (chDB's raw insert builds its own
// from a whitelist). Parameterized queries are serialized, as chDB does,
// because the engine's parameter state is not isolated between connections.
import { createRequire } from 'node:module';
import { drainPending, Session } from 'chdb';
import { ServerError } from './errors.ts';

interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
}
interface ChdbNative {
  QueryAsyncConnection(conn: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeResult>;
  InsertRawAsyncConnection(conn: unknown, prefix: string, data: Buffer, countLines: boolean): Promise<NativeInsertResult>;
}

function loadNative(): ChdbNative {
  const chdbEntry = createRequire(import.meta.url).resolve('chdb');
  const native = (createRequire(chdbEntry)('./dist/loader.js') as { loadNative: () => Partial<ChdbNative> }).loadNative();
  if (typeof native.QueryAsyncConnection !== 'function' || typeof native.InsertRawAsyncConnection !== 'function') {
    throw new Error('this chdb build lacks QueryAsyncConnection/InsertRawAsyncConnection; the test ClickHouse server needs them');
  }
  return native as ChdbNative;
}

/** X-ClickHouse-Summary, every value a string as the server sends it. */
export interface Summary {
  read_rows: string;
  read_bytes: string;
  written_rows: string;
  written_bytes: string;
  total_rows_to_read: string;
  result_rows: string;
  result_bytes: string;
  elapsed_ns: string;
}

export interface EngineRequest {
  /** The SQL; for an insert with its data apart, the statement up to the data. */
  sql: string;
  /** Insert data (raw bytes in the statement's input format). */
  data?: Buffer;
  database: string;
  /** Settings for this request, in the order to apply them. */
  settings: Array<[string, string]>;
  /** Bound parameters, as the wire strings (`param_<name>`). */
  params?: Record<string, string>;
  /** Output format when the SQL names none. */
  format: string;
  /** A named HTTP session (session_id). */
  session?: { id: string; timeoutSec: number; check: boolean };
  /** The statement changes session state (SET, USE, temporary tables). */
  changesState: boolean;
}

export interface EngineResult {
  bytes: Buffer;
  summary: Summary;
}

/** Server defaults that chDB (clickhouse-local) changes; put back on every connection. */
const SERVER_PROFILE: Array<[string, string]> = [
  ['implicit_select', '0'],
  ['allow_introspection_functions', '0'],
];

const MAX_IDLE = 16;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
function quoteIdent(v: string): string {
  return `\`${v.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
const ns = (seconds: number) => String(Math.max(0, Math.round(seconds * 1e9)));

interface Lease {
  session: Session;
  key: string;
  named?: NamedSession;
}
interface NamedSession {
  session: Session;
  busy: boolean;
  timer?: NodeJS.Timeout;
  database: string;
  timeoutSec: number;
}

export class Engine {
  readonly version: string;
  readonly timezone: string;
  readonly #dataDir: string;
  readonly #profile: Array<[string, string]>;
  readonly #native: ChdbNative;
  /** Keeps the engine loaded while no request holds a connection. */
  readonly #anchor: Session;
  readonly #idle: Array<{ key: string; session: Session }> = [];
  readonly #named = new Map<string, NamedSession>();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #active = new Set<Promise<unknown>>();
  #paramTail: Promise<unknown> = Promise.resolve();
  #closing = false;

  private constructor(dataDir: string, profile: Array<[string, string]>, native: ChdbNative, anchor: Session, version: string, timezone: string) {
    this.#dataDir = dataDir;
    this.#profile = profile;
    this.#native = native;
    this.#anchor = anchor;
    this.version = version;
    this.timezone = timezone;
  }

  /** `profile`: settings every connection starts with, after SERVER_PROFILE (a server's default profile). */
  static async open(dataDir: string, profile: Array<[string, string]> = []): Promise<Engine> {
    const native = loadNative();
    const anchor = new Session(dataDir);
    const text = async (sql: string) => Buffer.from((await native.QueryAsyncConnection(anchor.connection, sql, 'TSVRaw')).bytes).toString().trim();
    const engine = new Engine(dataDir, [...SERVER_PROFILE, ...profile], native, anchor, await text('SELECT version()'), await text('SELECT timezone()'));
    // A bad profile setting fails here, at start, not on every request.
    const probe = new Session(dataDir);
    try {
      await engine.#setup(probe, undefined, engine.#profile);
    } finally {
      probe.close();
    }
    return engine;
  }

  /** Run one request on a connection holding exactly its database and settings. */
  run(req: EngineRequest): Promise<EngineResult> {
    if (this.#closing) return Promise.reject(new ServerError('ABORTED', 'the server is shutting down'));
    const p = this.#run(req);
    const done = p.then(
      () => undefined,
      () => undefined,
    );
    this.#active.add(done);
    void done.then(() => this.#active.delete(done));
    return p;
  }

  async #run(req: EngineRequest): Promise<EngineResult> {
    const lease = await this.#acquire(req);
    let reusable = false;
    try {
      const result = await this.#execute(lease.session, req);
      reusable = !req.changesState;
      return result;
    } finally {
      this.#release(lease, reusable);
    }
  }

  async #execute(session: Session, req: EngineRequest): Promise<EngineResult> {
    const conn = session.connection;
    if (req.data !== undefined && !req.params) {
      if (req.data.length === 0) return { bytes: Buffer.alloc(0), summary: this.#summary({}) };
      const w = await this.#track(this.#native.InsertRawAsyncConnection(conn, req.sql, req.data, false));
      return { bytes: Buffer.alloc(0), summary: this.#summary({ read: [w.rowsWritten, w.bytesWritten], written: [w.rowsWritten, w.bytesWritten], elapsed: w.elapsed }) };
    }
    // Insert data with bound parameters goes inline (text formats only).
    const sql = req.data !== undefined ? `${req.sql}\n${req.data.toString('utf8')}` : req.sql;
    const params = req.params;
    const r = params
      ? await this.#exclusive(() => this.#native.QueryAsyncConnection(conn, sql, req.format, params))
      : await this.#track(this.#native.QueryAsyncConnection(conn, sql, req.format));
    const bytes = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
    return { bytes, summary: this.#summary({ read: [r.rowsRead, r.bytesRead], result: [r.rowsRead, bytes.length], elapsed: r.elapsed }) };
  }

  #summary(s: { read?: [number, number]; written?: [number, number]; result?: [number, number]; elapsed?: number }): Summary {
    return {
      read_rows: String(s.read?.[0] ?? 0),
      read_bytes: String(s.read?.[1] ?? 0),
      written_rows: String(s.written?.[0] ?? 0),
      written_bytes: String(s.written?.[1] ?? 0),
      total_rows_to_read: '0',
      result_rows: String(s.result?.[0] ?? 0),
      result_bytes: String(s.result?.[1] ?? 0),
      elapsed_ns: ns(s.elapsed ?? 0),
    };
  }

  /** Every native call is tracked: a connection must never close under a running call. */
  #track<T>(p: Promise<T>): Promise<T> {
    const done = p.then(
      () => undefined,
      () => undefined,
    );
    this.#inflight.add(done);
    void done.then(() => this.#inflight.delete(done));
    return p;
  }

  #exclusive<T>(start: () => Promise<T>): Promise<T> {
    const p = this.#paramTail.then(() => this.#track(start()));
    this.#paramTail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  async #setup(session: Session, database: string | undefined, settings: Array<[string, string]>): Promise<void> {
    const run = (sql: string) => this.#track(this.#native.QueryAsyncConnection(session.connection, sql, 'TSV'));
    if (database !== undefined) await run(`USE ${quoteIdent(database)}`);
    for (const [name, value] of settings) {
      if (!SETTING_NAME.test(name)) throw new ServerError('UNKNOWN_SETTING', `Unknown setting '${name}'`);
      await run(`SET ${name} = ${quoteString(value)}`);
    }
  }

  async #acquire(req: EngineRequest): Promise<Lease> {
    if (req.session) return this.#acquireNamed(req, req.session);
    const key = JSON.stringify([req.database, req.settings]);
    const at = this.#idle.findIndex((e) => e.key === key);
    if (at >= 0) {
      const [entry] = this.#idle.splice(at, 1);
      if (entry) return { session: entry.session, key };
    }
    const session = new Session(this.#dataDir);
    try {
      await this.#setup(session, req.database, [...this.#profile, ...req.settings]);
    } catch (e) {
      session.close();
      throw e;
    }
    return { session, key };
  }

  async #acquireNamed(req: EngineRequest, s: NonNullable<EngineRequest['session']>): Promise<Lease> {
    let named = this.#named.get(s.id);
    if (named?.busy) throw new ServerError('SESSION_IS_LOCKED', `Session ${s.id} is locked by a concurrent client`);
    if (!named) {
      if (s.check) throw new ServerError('SESSION_NOT_FOUND', `Session ${s.id} not found`);
      const session = new Session(this.#dataDir);
      named = { session, busy: false, database: '', timeoutSec: s.timeoutSec };
      this.#named.set(s.id, named);
      await this.#setup(session, undefined, this.#profile);
    }
    clearTimeout(named.timer);
    named.busy = true;
    named.timeoutSec = s.timeoutSec;
    try {
      // In a session, settings of the request stay set afterwards (see the README).
      await this.#setup(named.session, named.database === req.database ? undefined : req.database, req.settings);
      named.database = req.database;
    } catch (e) {
      this.#releaseNamed(s.id, named);
      throw e;
    }
    return { session: named.session, key: s.id, named };
  }

  #releaseNamed(id: string, named: NamedSession): void {
    named.busy = false;
    named.timer = setTimeout(() => {
      if (named.busy) return;
      this.#named.delete(id);
      named.session.close();
    }, named.timeoutSec * 1000);
    named.timer.unref();
  }

  #release(lease: Lease, reusable: boolean): void {
    if (lease.named) {
      this.#releaseNamed(lease.key, lease.named);
      return;
    }
    if (!reusable || this.#closing || lease.key.includes('"insert_deduplication_token"')) {
      lease.session.close();
      return;
    }
    this.#idle.push({ key: lease.key, session: lease.session });
    if (this.#idle.length > MAX_IDLE) this.#idle.shift()?.session.close();
  }

  /** Refuse new requests, let running ones finish, close every connection. */
  async close(): Promise<void> {
    this.#closing = true;
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    for (const e of this.#idle.splice(0)) e.session.close();
    for (const n of this.#named.values()) {
      clearTimeout(n.timer);
      n.session.close();
    }
    this.#named.clear();
    this.#anchor.close();
    await drainPending();
  }
}

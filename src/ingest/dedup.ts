// Per-event deduplication of HTTP ingest: a client that retries after a
// timeout (or after a lost answer, or after driftwatch was killed between
// storing its rows and answering) stores each event once.
//
// An event's identity (encode.ts: model, model_version, ts and event_id; for
// labels model, event_id, ts and label) is hashed to 64 bits. The buffer
// inserts HTTP rows one batch at a time, and for each batch:
//   1. drops rows whose identity was stored within the horizon, or appears
//      earlier in the same batch;
//   2. appends the batch's identities to a journal under data_dir as
//      "pending" (before the insert: a kill during or after it must not
//      forget them);
//   3. inserts; 4. appends "committed" and adds the identities to memory.
// At start the journal of the last horizon is read back. A pending batch
// without its commit (killed in between) is checked against the store: the
// identities ClickHouse holds (same columns, same ts range) count as stored,
// the others were not (their clients heard no 200 and retry them).
//
// The journal survives a process crash (it is written before the insert and
// the data lives in the page cache); like ClickHouse's own parts it is not
// fsynced, so a power loss can forget what the engine forgot too. Identities
// live in generations of about a quarter horizon each, one journal file per
// generation, dropped once the horizon has passed or when more than
// `maxKeys` identities are held (then the horizon is shorter: logged and
// counted). The mechanism works the same with a ClickHouse server, but it is
// per driftwatch instance: a retry that lands on another instance is not
// recognised (route retries to the same instance, or run one ingest
// instance).
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { retry } from '../core/util/backoff.ts';
import type { TableName } from './encode.ts';
import { writeAll } from './file-io.ts';
import { hash64, keyAt, KeyTable } from './key-table.ts';

/** 8-byte hash of an event identity (see HttpEncoded.key). */
export function identityHash(table: TableName, key: string, out: Uint8Array, at: number): void {
  hash64(`${table}\u0000${key}`, out, at);
}

export interface DedupOptions {
  dir: string;
  horizonMs: number;
  maxKeys: number;
  store: () => Store;
  logger: Logger;
  /** Keys forgotten before the horizon because of maxKeys. */
  onEvicted?: (keys: number) => void;
}

/** What a pending journal record keeps to check the store after a crash. */
interface BatchMeta {
  table: TableName;
  models: string[];
  tmin: number;
  tmax: number;
}

interface Generation {
  keys: KeyTable;
  created: number;
  newest: number;
  file: string;
  fh: FileHandle | null;
  /** Read back at start: a new process never appends to an old journal file. */
  loaded: boolean;
}

const P = 0x50;
const C = 0x43;

export class EventDedup {
  readonly #o: DedupOptions;
  #gens: Generation[] = [];
  #nextId = 1;
  #ready: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  /** Batch ids written as pending, with the generation holding their record. */
  readonly #pending = new Map<number, Generation>();

  constructor(opts: DedupOptions) {
    this.#o = opts;
  }

  get enabled(): boolean {
    return this.#o.horizonMs > 0;
  }

  /** Read the journal (identities back to `since`, at least the horizon); pending batches are checked against the store in the background. */
  start(since = Date.now() - this.#o.horizonMs): void {
    if (!this.enabled || !existsSync(this.#o.dir)) return;
    const unverified: Array<{ gen: Generation; meta: BatchMeta; keys: Uint8Array; at: number }> = [];
    for (const name of readdirSync(this.#o.dir).filter((n) => /^gen-\d+\.keys$/.test(n)).sort()) {
      const file = join(this.#o.dir, name);
      const gen: Generation = { keys: new KeyTable(), created: Number(name.slice(4, -5)), newest: 0, file, fh: null, loaded: true };
      const { committed, pending } = this.#readJournal(file);
      for (const r of committed) this.#addKeys(gen, r.keys, r.at);
      for (const r of pending) unverified.push({ gen, ...r });
      gen.newest = Math.max(gen.newest, ...pending.map((r) => r.at));
      if (gen.newest < since && pending.length === 0) {
        unlinkSync(file);
        continue;
      }
      this.#gens.push(gen);
    }
    const held = this.#gens.reduce((n, g) => n + g.keys.count, 0);
    if (this.#gens.length > 0) this.#o.logger.info('event deduplication journal read', { identities: held, unverified_batches: unverified.length });
    if (unverified.length > 0) this.#ready = this.#verify(unverified);
  }

  /** Resolves once the identities of batches cut short by the last stop are known. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    for (const g of this.#gens) await g.fh?.close().catch(() => undefined);
    for (const g of this.#gens) g.fh = null;
  }

  has(keys: Uint8Array, i: number): boolean {
    const { hi, lo } = keyAt(keys, i);
    for (const g of this.#gens) if (g.keys.has(hi, lo)) return true;
    return false;
  }

  /** Journal a batch's identities as pending, before its insert; returns its id for commit(). */
  async begin(meta: BatchMeta, keys: Uint8Array): Promise<number> {
    const gen = await this.#current();
    const id = this.#nextId++;
    const metaBytes = Buffer.from(JSON.stringify(meta));
    const rec = Buffer.allocUnsafe(1 + 4 + 8 + 4 + metaBytes.length + 4);
    let p = rec.writeUInt8(P, 0);
    p = rec.writeUInt32LE(id, p);
    p = rec.writeDoubleLE(Date.now(), p);
    p = rec.writeUInt32LE(metaBytes.length, p);
    p += metaBytes.copy(rec, p);
    rec.writeUInt32LE(keys.length / 8, p);
    await this.#write(gen, [rec, keys]);
    this.#pending.set(id, gen);
    return id;
  }

  /** The batch is stored: remember its identities. */
  async commit(id: number, keys: Uint8Array): Promise<void> {
    const gen = this.#pending.get(id);
    if (!gen) return;
    this.#pending.delete(id);
    this.#addKeys(gen, keys, Date.now());
    const rec = Buffer.allocUnsafe(5);
    rec.writeUInt8(C, 0);
    rec.writeUInt32LE(id, 1);
    await this.#write(gen, [rec]).catch((e: unknown) => this.#o.logger.warn('could not journal a stored batch; it is checked against the store at the next start', { error: describeError(e) }));
    this.#expire();
  }

  /** The batch was not stored (shutdown gave up): forget the pending record's hold (the next start checks the store). */
  abandon(id: number): void {
    this.#pending.delete(id);
  }

  #addKeys(gen: Generation, keys: Uint8Array, at: number): void {
    for (let i = 0; i < keys.length / 8; i++) {
      const { hi, lo } = keyAt(keys, i);
      gen.keys.add(hi, lo);
    }
    gen.newest = Math.max(gen.newest, at);
  }

  async #write(gen: Generation, parts: Uint8Array[]): Promise<void> {
    gen.fh ??= await open(gen.file, 'a');
    await writeAll(gen.fh, parts);
  }

  /** The generation new identities go to (a new one every quarter horizon or quarter of maxKeys). */
  async #current(): Promise<Generation> {
    const now = Date.now();
    const cur = this.#gens.at(-1);
    if (cur && !cur.loaded && now - cur.created < this.#o.horizonMs / 4 && cur.keys.count < this.#o.maxKeys / 4) return cur;
    mkdirSync(this.#o.dir, { recursive: true });
    let created = now;
    while (this.#gens.some((g) => g.created === created)) created++;
    const gen: Generation = { keys: new KeyTable(), created, newest: now, file: join(this.#o.dir, `gen-${String(created).padStart(15, '0')}.keys`), fh: null, loaded: false };
    this.#gens.push(gen);
    return gen;
  }

  /** Drop generations past the horizon, and the oldest ones beyond maxKeys. */
  #expire(): void {
    const cutoff = Date.now() - this.#o.horizonMs;
    let total = this.#gens.reduce((n, g) => n + g.keys.count, 0);
    while (this.#gens.length > 1) {
      const oldest = this.#gens[0]!;
      if ([...this.#pending.values()].includes(oldest)) break;
      const expired = oldest.newest < cutoff;
      if (!expired && total <= this.#o.maxKeys) break;
      if (!expired) {
        this.#o.onEvicted?.(oldest.keys.count);
        this.#o.logger.warn('event deduplication holds more than http_dedup_max_keys identities; forgetting the oldest before the horizon', { forgotten: oldest.keys.count, max_keys: this.#o.maxKeys });
      }
      total -= oldest.keys.count;
      this.#gens.shift();
      void oldest.fh?.close().catch(() => undefined);
      try {
        unlinkSync(oldest.file);
      } catch {
        // already gone
      }
    }
  }

  #readJournal(file: string): { committed: Array<{ keys: Uint8Array; at: number }>; pending: Array<{ meta: BatchMeta; keys: Uint8Array; at: number }> } {
    const buf = readFileSync(file);
    const open = new Map<number, { meta: BatchMeta; keys: Uint8Array; at: number }>();
    const committed: Array<{ keys: Uint8Array; at: number }> = [];
    let p = 0;
    try {
      while (p < buf.length) {
        const type = buf.readUInt8(p);
        if (type === C) {
          if (p + 5 > buf.length) break;
          const id = buf.readUInt32LE(p + 1);
          const rec = open.get(id);
          p += 5;
          if (rec) {
            committed.push({ keys: rec.keys, at: rec.at });
            open.delete(id);
          }
          continue;
        }
        if (type !== P) throw new Error(`unknown record type ${type}`);
        if (p + 17 > buf.length) break;
        const id = buf.readUInt32LE(p + 1);
        const at = buf.readDoubleLE(p + 5);
        const metaLen = buf.readUInt32LE(p + 13);
        if (p + 17 + metaLen + 4 > buf.length) break;
        const meta = JSON.parse(buf.toString('utf8', p + 17, p + 17 + metaLen)) as BatchMeta;
        const n = buf.readUInt32LE(p + 17 + metaLen);
        const start = p + 21 + metaLen;
        // A record cut short by a kill: its insert had not started.
        if (start + 8 * n > buf.length) break;
        open.set(id, { meta, keys: buf.subarray(start, start + 8 * n), at });
        p = start + 8 * n;
      }
    } catch (e) {
      this.#o.logger.warn('event deduplication journal damaged; reading what precedes the damage', { file, error: describeError(e) });
    }
    return { committed, pending: [...open.values()] };
  }

  /** Which identities of batches cut short by a kill did ClickHouse store? */
  async #verify(batches: Array<{ gen: Generation; meta: BatchMeta; keys: Uint8Array; at: number }>): Promise<void> {
    for (const b of batches) {
      const stored = await retry(() => this.#storedIdentities(b.meta, b.at), {
        baseMs: 200,
        maxMs: 10_000,
        signal: this.#abort.signal,
        onRetry: (e, attempt, delay) => this.#o.logger.warn('cannot check an interrupted batch against the store yet', { attempt, retry_in_ms: delay, error: describeError(e).slice(0, 300) }),
      }).catch(() => null);
      if (stored === null) return;
      let found = 0;
      for (let i = 0; i < b.keys.length / 8; i++) {
        const { hi, lo } = keyAt(b.keys, i);
        if (stored.has(hi, lo)) {
          b.gen.keys.add(hi, lo);
          found++;
        }
      }
      this.#o.logger.info('checked a batch interrupted by the last stop', { table: b.meta.table, rows: b.keys.length / 8, stored: found });
    }
  }

  async #storedIdentities(meta: BatchMeta, at: number): Promise<KeyTable> {
    const sql =
      meta.table === 'predictions'
        ? `SELECT model AS a, model_version AS b, toUnixTimestamp64Milli(ts) AS t, event_id AS c FROM predictions`
        : `SELECT model AS a, event_id AS b, toUnixTimestamp64Milli(ts) AS t, label AS c FROM labels`;
    const rows = await this.#o.store().query<{ a: string; b: string; t: string | number; c: string }>(
      // Rows stored over HTTP in the batch's ts range, ingested from an hour
      // before the batch on (the margin covers a server's clock skew).
      `${sql} WHERE model IN {models:Array(String)} AND ts >= fromUnixTimestamp64Milli({tmin:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({tmax:Int64}, 'UTC')
         AND source = 'http' AND ingested_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
      { params: { models: meta.models, tmin: meta.tmin, tmax: meta.tmax, since: Math.floor(at - 3_600_000) } },
    );
    const table = new KeyTable(rows.length * 2);
    const out = Buffer.allocUnsafe(8);
    for (const r of rows) {
      // The same identity text as encodeHttpEvent builds (ts as epoch ms).
      identityHash(meta.table, `${r.a}\u0000${r.b}\u0000${Number(r.t)}\u0000${r.c}`, out, 0);
      const { hi, lo } = keyAt(out, 0);
      table.add(hi, lo);
    }
    return table;
  }
}

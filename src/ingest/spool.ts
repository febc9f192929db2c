// The HTTP ingest spool: where a request's rows go when ClickHouse has not
// stored them within ingest.http_spool_after, so that `202 Accepted` is a
// promise that survives a crash. An entry is written to a temporary file,
// fsynced, renamed into place and the directory fsynced, and only then is
// the request answered 202. The rows stay in the buffer meanwhile; once they
// are stored the entry is deleted. At start every entry left behind is read
// back into the buffer; rows already stored before a crash are dropped by the
// per-event deduplication (dedup.ts), so each event is stored once.
//
// One file per entry: a JSON header line, the rows' 8-byte identities, the
// JSONEachRow body; the header holds a SHA-256 of both, and an entry that
// does not match it (a torn write cannot be renamed into place, but a disk
// can corrupt) is moved aside as .corrupt and logged.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { TableName } from './encode.ts';
import { writeAll } from './file-io.ts';

export interface SpoolRecord {
  table: TableName;
  rows: number;
  /** 8 bytes per row: the rows' identities (dedup.ts). */
  keys: Uint8Array;
  body: Buffer;
  /** Models and ts range (epoch ms) of the rows (dedup.ts). */
  models: string[];
  tmin: number;
  tmax: number;
  created: number;
}

export interface SpoolEntry extends SpoolRecord {
  file: string;
  bytes: number;
}

interface Header {
  v: 1;
  table: TableName;
  rows: number;
  keys: number;
  body: number;
  sha256: string;
  created: number;
  models: string[];
  tmin: number;
  tmax: number;
}

function digest(keys: Uint8Array, body: Uint8Array): string {
  return createHash('sha256').update(keys).update(body).digest('hex');
}

/** The same digest, a megabyte at a time with a turn for the event loop in between (a body can be 64 MB). */
async function digestAsync(keys: Uint8Array, body: Uint8Array): Promise<string> {
  const h = createHash('sha256').update(keys);
  for (let off = 0; off < body.length; off += 1 << 20) {
    h.update(body.subarray(off, off + (1 << 20)));
    await new Promise<void>((r) => setImmediate(r));
  }
  return h.digest('hex');
}

export class Spool {
  #bytes = 0;
  #seq = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Bytes of the entries on disk. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries left by the last run, oldest first (temporary files of unfinished writes are removed). */
  load(): SpoolEntry[] {
    if (!existsSync(this.dir)) return [];
    const entries: SpoolEntry[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      const file = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        unlinkSync(file);
        continue;
      }
      if (!name.endsWith('.spool')) continue;
      try {
        entries.push(this.#read(file));
      } catch (e) {
        this.logger.error('spool entry unreadable; moved aside', { file, error: describeError(e), code: 'DW_INGEST_SPOOL_FAILED' });
        renameSync(file, `${file}.corrupt`);
      }
    }
    this.#bytes = entries.reduce((n, e) => n + e.bytes, 0);
    return entries;
  }

  #read(file: string): SpoolEntry {
    const buf = readFileSync(file);
    const nl = buf.indexOf(0x0a);
    if (nl < 0) throw new Error('no header');
    const h = JSON.parse(buf.toString('utf8', 0, nl)) as Header;
    const keys = buf.subarray(nl + 1, nl + 1 + h.keys);
    const body = buf.subarray(nl + 1 + h.keys, nl + 1 + h.keys + h.body);
    if (h.v !== 1 || keys.length !== h.keys || body.length !== h.body || keys.length !== 8 * h.rows || digest(keys, body) !== h.sha256) throw new Error('header and content do not match');
    return { file, bytes: statSync(file).size, table: h.table, rows: h.rows, keys, body, created: h.created, models: h.models, tmin: h.tmin, tmax: h.tmax };
  }

  /** Whether an entry of `bytes` more fits under ingest.spool_max_bytes. */
  fits(bytes: number): boolean {
    return this.#bytes + bytes <= this.maxBytes;
  }

  /** Write an entry durably (fsync of the file and of the directory); resolves once it is on disk. */
  async write(rec: SpoolRecord): Promise<SpoolEntry> {
    const header: Header = {
      v: 1,
      table: rec.table,
      rows: rec.rows,
      keys: rec.keys.length,
      body: rec.body.length,
      sha256: await digestAsync(rec.keys, rec.body),
      created: rec.created,
      models: rec.models,
      tmin: rec.tmin,
      tmax: rec.tmax,
    };
    const head = Buffer.from(JSON.stringify(header) + '\n');
    const bytes = head.length + rec.keys.length + rec.body.length;
    if (!this.fits(bytes)) throw new Error(`the spool holds ${this.#bytes} bytes; ingest.spool_max_bytes is ${this.maxBytes}`);
    this.#bytes += bytes;
    const name = `${String(rec.created).padStart(15, '0')}-${String(this.#seq++).padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
    const tmp = join(this.dir, `${name}.tmp`);
    const file = join(this.dir, `${name}.spool`);
    try {
      mkdirSync(this.dir, { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await writeAll(fh, [head, rec.keys, rec.body]);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      const dh = await open(this.dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (e) {
      this.#bytes -= bytes;
      await unlink(tmp).catch(() => undefined);
      await unlink(file).catch(() => undefined);
      throw e;
    }
    return { ...rec, file, bytes };
  }

  /** The entry's rows are stored: delete it (a delete lost in a crash is harmless, see above). */
  async remove(entry: SpoolEntry): Promise<void> {
    try {
      await unlink(entry.file);
      this.#bytes -= entry.bytes;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('could not delete a stored spool entry', { file: entry.file, error: describeError(e) });
    }
  }
}

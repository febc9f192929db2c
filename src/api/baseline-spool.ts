// Baseline datasets reach the engine only as a private temporary file: an
// upload is streamed to it (size-capped, never held in memory), and a
// server-side path is copied into it after it was checked, so the engine
// never opens a path a client named (no symlink swapped in between).
import { constants, createWriteStream } from 'node:fs';
import { mkdtemp, open, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DriftwatchError } from '../core/errors.ts';
import { HttpError } from '../core/http/router.ts';
import type { InputFormat } from '../../detectors/compare/formats.ts';

export interface Spooled {
  /** The temporary file, named with the format's extension. */
  path: string;
  bytes: number;
  /** Removes the file and its private directory. */
  remove(): Promise<void>;
}

const EXT: Record<InputFormat, string> = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet', arrow: 'arrow' };

/** Compressions a dataset may come in (the engine decompresses by extension). */
export const COMPRESSIONS = ['gz', 'zst', 'xz', 'bz2', 'lz4'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The compression a file name's suffix names, if any. */
export function compressionOf(name: string): Compression | undefined {
  const m = /\.(gz|gzip|zst|zstd|xz|bz2|lz4)$/i.exec(name)?.[1]?.toLowerCase();
  if (!m) return undefined;
  return m === 'gzip' ? 'gz' : m === 'zstd' ? 'zst' : (m as Compression);
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, `the dataset is larger than baselines.max_upload_bytes (${max} bytes)`, undefined, undefined, 'DW_BASELINE_UPLOAD');
}

/** Counts bytes, fails past the cap, and (text formats) refuses NUL bytes, which no CSV or JSONL holds. */
function guard(max: number, text: boolean): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) return done(tooLarge(max));
      if (text && chunk.includes(0)) return done(new HttpError(400, 'the dataset is not text: it holds NUL bytes', undefined, undefined, 'DW_BASELINE_UPLOAD'));
      done(null, chunk);
    },
  });
}

/** Stream `from` into a fresh private file; on any failure nothing is left behind. */
export async function spool(from: Readable, format: InputFormat, opts: { maxBytes: number; dir?: string; compression?: Compression }): Promise<Spooled> {
  const dir = await mkdtemp(join(opts.dir ?? tmpdir(), 'dw-baseline-'));
  // The engine reads a compressed file by its extension.
  const path = join(dir, `dataset.${EXT[format]}${opts.compression ? `.${opts.compression}` : ''}`);
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(from, guard(opts.maxBytes, !opts.compression && (format === 'csv' || format === 'jsonl')), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    const { size } = await stat(path);
    return { path, bytes: size, remove };
  } catch (e) {
    from.resume();
    await remove();
    throw e;
  }
}

function under(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

function pathRefused(message: string): DriftwatchError {
  return new DriftwatchError('DW_BASELINE_PATH', message);
}

/**
 * A server-side path, allowed only inside `importDir` both as written (after
 * `..` is resolved) and after every symbolic link is followed; it must be a
 * regular file within the size cap. Returns it spooled to a private copy.
 */
export async function spoolServerPath(requested: string, format: InputFormat, opts: { importDir: string | undefined; maxBytes: number; dir?: string }): Promise<Spooled> {
  const compression = compressionOf(requested);
  if (!opts.importDir) throw pathRefused('server-side paths are not accepted (no baselines.import_dir is configured): upload the dataset in the request body, as `driftwatch baseline import` does');
  if (!isAbsolute(requested)) throw pathRefused('path must be absolute');
  let root: string;
  try {
    root = await realpath(opts.importDir);
  } catch {
    throw pathRefused('baselines.import_dir does not exist on the daemon host');
  }
  const outside = pathRefused(`path is not inside baselines.import_dir (${opts.importDir})`);
  const lexical = resolve(requested);
  if (!under(root, lexical) && !under(resolve(opts.importDir), lexical)) throw outside;
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw pathRefused('no such file inside baselines.import_dir');
  }
  if (!under(root, real)) throw outside;
  if (!(await stat(real)).isFile()) throw pathRefused('path is not a regular file');
  // O_NONBLOCK: a FIFO swapped in after the check must not block the open;
  // O_NOFOLLOW: nor may a symbolic link swapped in for the file itself.
  const fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(() => {
    throw pathRefused('the file inside baselines.import_dir cannot be read');
  });
  let handedOff = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw pathRefused('path is not a regular file');
    if (st.size > opts.maxBytes) throw tooLarge(opts.maxBytes);
    // Read through the descriptor checked above, not the path again; the
    // stream closes it when it ends or fails.
    handedOff = true;
    return await spool(fh.createReadStream(), format, { ...opts, ...(compression ? { compression } : {}) });
  } finally {
    if (!handedOff) await fh.close();
  }
}

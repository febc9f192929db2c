// Imported baselines (training data) for the drift detectors.
//   POST /v1/baselines?model=&version=[&name=training][&format=csv|jsonl|parquet|arrow][&source=NAME]
//        body: the dataset (content-type text/csv, application/x-ndjson,
//        application/vnd.apache.parquet, application/vnd.apache.arrow.file|stream,
//        or application/octet-stream with format=); streamed to a private
//        temporary file (at most baselines.max_upload_bytes), imported, removed
//   POST /v1/baselines  application/json {model, version, name?, path, format?}
//        a file on the daemon host, accepted only inside baselines.import_dir
//   GET  /v1/baselines[?limit=&offset=]   every dataset's newest import, paginated
// Nothing read from a dataset appears in an error: a file that does not
// parse is answered with its format and what was wrong, never its bytes.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { importBaseline, listBaselines } from '../../detectors/baselines/import.ts';
import { formatFromPath, INPUT_FORMATS, type InputFormat } from '../../detectors/compare/formats.ts';
import type { Config } from '../config/schema.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { isDriftwatchError } from '../core/errors.ts';
import { HttpError, type HttpRequest, type Router } from '../core/http/router.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { COMPRESSIONS, spool, spoolServerPath, type Spooled } from './baseline-spool.ts';
import { page, parseQuery } from './params.ts';

export const importBodySchema = z.strictObject({
  model: z.string().min(1, 'model is required'),
  version: z.string().min(1, 'version is required'),
  name: z.string().min(1).default('training'),
  path: z.string().min(1, 'path is required').refine(isAbsolute, 'must be an absolute path on the daemon host'),
  format: z.enum(INPUT_FORMATS).optional(),
});
export type ImportBody = z.input<typeof importBodySchema>;

export const uploadQuerySchema = z.strictObject({
  model: z.string().min(1, 'model is required'),
  version: z.string().min(1, 'version is required'),
  name: z.string().min(1).default('training'),
  format: z.enum(INPUT_FORMATS).optional(),
  compression: z.enum(COMPRESSIONS).optional(),
  /** A label recorded as the dataset's source (e.g. the uploaded file's name). */
  source: z.string().max(200).optional(),
});
export type UploadQuery = z.input<typeof uploadQuerySchema>;

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Content types of datasets, and the format each one means. */
export const DATASET_TYPES: Readonly<Record<string, InputFormat>> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
  'application/vnd.apache.arrow.file': 'arrow',
  'application/vnd.apache.arrow.stream': 'arrow',
};

export interface BaselineRouteOptions {
  maxUploadBytes?: number;
  importDir?: string;
  tmpDir?: string;
  /** Memory the engine may use while importing (default 4 x maxUploadBytes, at least 256 MiB). */
  maxMemoryBytes?: number;
  logger?: Logger;
}

export function baselineRouteOptions(b: Config['baselines'], logger?: Logger): BaselineRouteOptions {
  return { maxUploadBytes: b.max_upload_bytes, importDir: b.import_dir, tmpDir: b.tmp_dir, maxMemoryBytes: b.max_memory_bytes, ...(logger ? { logger } : {}) };
}

const DEFAULT_MAX_UPLOAD = 256 * 1024 * 1024;

function uploadRefused(status: number, message: string): HttpError {
  return new HttpError(status, message, undefined, undefined, 'DW_BASELINE_UPLOAD');
}

/** Known problems of our own making keep their message; anything else (engine text quoting the file) does not. */
function importProblem(e: unknown, format: InputFormat): HttpError {
  const msg = (e as Error).message ?? '';
  if (/has no data rows/.test(msg)) return uploadRefused(400, `the ${format} dataset has no data rows`);
  if (/has no column of numbers or text/.test(msg)) return uploadRefused(400, `the ${format} dataset has no column of numbers or text`);
  if (/twice/.test(msg)) return uploadRefused(400, `the ${format} dataset names a column twice`);
  if (/is empty/.test(msg)) return uploadRefused(400, `the ${format} dataset is empty`);
  if (/memory limit/i.test(msg)) return uploadRefused(413, `the ${format} dataset needs more memory to import than baselines.max_memory_bytes allows`);
  return uploadRefused(400, `the dataset is not a readable ${format} file${format === 'csv' ? ' with a header row' : ''}`);
}

function contentType(req: HttpRequest): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

export function addBaselineRoutes(router: Router, store: () => Store, opts: BaselineRouteOptions = {}): void {
  const maxBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const maxMemoryBytes = opts.maxMemoryBytes ?? Math.max(4 * maxBytes, 256 * 1024 * 1024);

  const run = async (file: Spooled, target: { model: string; version: string; name: string; format: InputFormat; source: string }) => {
    try {
      return await importBaseline(store(), { model: target.model, version: target.version, name: target.name, path: file.path, format: target.format, source: target.source, maxMemoryBytes });
    } catch (e) {
      if (isDriftwatchError(e, 'DW_INPUT') || isDriftwatchError(e, 'DW_STORE_QUERY')) {
        // The detail may quote the file: log that the import failed, not why.
        opts.logger?.warn('baseline import refused', { model: target.model, version: target.version, format: target.format, code: e.code });
        throw importProblem(e, target.format);
      }
      throw e;
    } finally {
      await file.remove();
    }
  };

  router.add('POST', '/v1/baselines', async (req) => {
    const type = contentType(req);
    if (type === 'application/json') {
      const parsed = importBodySchema.safeParse(await req.json(1 << 16));
      if (!parsed.success) throw new HttpError(400, 'invalid request', formatIssues(parsed.error.issues));
      const b = parsed.data;
      const format = b.format ?? formatFromPath(b.path);
      if (!format) throw uploadRefused(400, 'cannot tell the format from the path: give format (csv, jsonl, parquet or arrow)');
      let file: Spooled;
      try {
        file = await spoolServerPath(b.path, format, { importDir: opts.importDir, maxBytes, ...(opts.tmpDir ? { dir: opts.tmpDir } : {}) });
      } catch (e) {
        if (isDriftwatchError(e, 'DW_BASELINE_PATH')) throw new HttpError(400, e.message, undefined, undefined, e.code);
        throw e;
      }
      return { status: 201, body: await run(file, { model: b.model, version: b.version, name: b.name, format, source: b.path }) };
    }
    const q = parseQuery(uploadQuerySchema, req.query);
    const format = q.format ?? DATASET_TYPES[type];
    if (!format) {
      throw uploadRefused(415, `unknown dataset content-type ${JSON.stringify(type.slice(0, 100))}: send text/csv, application/x-ndjson, application/vnd.apache.parquet or application/vnd.apache.arrow.stream, or give format=`);
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.raw.resume();
      throw new HttpError(413, `the dataset is larger than baselines.max_upload_bytes (${maxBytes} bytes)`, undefined, { connection: 'close' }, 'DW_BASELINE_UPLOAD');
    }
    const file = await spool(req.raw, format, { maxBytes, ...(opts.tmpDir ? { dir: opts.tmpDir } : {}), ...(q.compression ? { compression: q.compression } : {}) }).catch((e: unknown) => {
      if (e instanceof HttpError) {
        // Stop reading an upload we refused; the client learns why.
        req.raw.unpipe();
        throw new HttpError(e.status, e.message, e.details, { ...e.headers, connection: 'close' }, e.code);
      }
      throw e;
    });
    if (file.bytes === 0) {
      await file.remove();
      throw uploadRefused(400, 'the request body is empty: send the dataset');
    }
    return { status: 201, body: await run(file, { model: q.model, version: q.version, name: q.name, format, source: q.source ? `upload:${q.source}` : 'upload' }) };
  });

  router.add('GET', '/v1/baselines', async (req) => {
    const q = parseQuery(listQuery, req.query);
    const rows = await listBaselines(store(), { limit: q.limit + 1, offset: q.offset });
    const p = page(rows, q.limit, q.offset);
    return { status: 200, body: { baselines: p.items, limit: p.limit, offset: p.offset, next_offset: p.next_offset } };
  });
}

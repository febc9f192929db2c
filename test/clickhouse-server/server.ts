// The HTTP side of the test ClickHouse server: /ping, the query handler at
// /, compressed request and response bodies, the headers @clickhouse/client
// reads (X-ClickHouse-Summary, -Query-Id, -Format, -Exception-Code), errors
// in the server's shape, and a shutdown that lets running queries finish.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import zlib from 'node:zlib';
import { Engine } from './engine.ts';
import { ServerError, toWireError } from './errors.ts';
import { parseRequest } from './request.ts';

export interface ServerOptions {
  dataDir: string;
  host?: string;
  port?: number;
  /** Settings of the default profile, e.g. to act as an older server: [['output_format_json_quote_64bit_integers', '1']]. */
  profile?: Array<[string, string]>;
  /** user -> password; default: the user `default` with no password. */
  users?: Record<string, string>;
  /** One line per request (method, query id, status, ms, the SQL's start). */
  verbose?: boolean;
  log?: (line: string) => void;
  /**
   * Hold every INSERT that carries data (not INSERT ... SELECT) this long
   * between receiving its data and writing it: a loaded server, whose inserts
   * are still in flight when their client has moved on (or died).
   */
  insertDelayMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  engine: Engine;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024 * 1024;
/** The server's http_max_uri_size (1 MiB): bound parameters travel in the URL. */
const MAX_URI_BYTES = 1024 * 1024;
const KEEP_ALIVE_SEC = 10;

type Codec = 'gzip' | 'deflate' | 'br' | 'zstd';
const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(body);
  if (enc === 'deflate') return zlib.inflateSync(body);
  if (enc === 'br') return zlib.brotliDecompressSync(body);
  if (enc === 'zstd' && hasZstd) return (zlib as unknown as { zstdDecompressSync: (b: Buffer) => Buffer }).zstdDecompressSync(body);
  throw new ServerError('BAD_ARGUMENTS', `Unknown HTTP compression method ${enc} (the test server reads gzip, deflate, br${hasZstd ? ', zstd' : ''})`);
}

/** The codec a server picks from Accept-Encoding, in its own order of preference. */
function responseCodec(accept: string | undefined): Codec | undefined {
  const offered = (accept ?? '').toLowerCase().split(',').map((s) => s.split(';')[0]?.trim());
  const order: Codec[] = hasZstd ? ['gzip', 'deflate', 'br', 'zstd'] : ['gzip', 'deflate', 'br'];
  return order.find((c) => offered.includes(c));
}

function compress(body: Buffer, codec: Codec): Buffer {
  if (codec === 'gzip') return zlib.gzipSync(body);
  if (codec === 'deflate') return zlib.deflateSync(body);
  if (codec === 'br') return zlib.brotliCompressSync(body);
  return (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(body);
}

export function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  if (f.includes('eachrow')) return 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (/^(rowbinary|native|parquet|arrow|orc|avro|protobuf|msgpack|capnproto)/.test(f)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ServerError('BAD_ARGUMENTS', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const engine = await Engine.open(opts.dataDir, opts.profile);
  const users = new Map(Object.entries(opts.users ?? { default: '' }));
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const displayName = hostname();
  const running = new Set<string>();
  const handlers = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, codec: Codec | undefined) => {
    const payload = codec && body.length > 0 ? compress(body, codec) : body;
    res.writeHead(status, {
      ...headers,
      ...(codec && body.length > 0 ? { 'Content-Encoding': codec } : {}),
      'Content-Length': String(payload.length),
      'Keep-Alive': `timeout=${KEEP_ALIVE_SEC}`,
      'X-ClickHouse-Server-Display-Name': displayName,
      ...(closing ? { Connection: 'close' } : {}),
    });
    res.end(payload);
  };

  async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    let queryId = url.searchParams.get('query_id') || randomUUID();
    let codec: Codec | undefined = url.searchParams.get('enable_http_compression') === '1' ? responseCodec(req.headers['accept-encoding']) : undefined;
    let sqlHead = '';
    let status = 200;
    let claimed = false;
    try {
      const body = decompress(await readBody(req), req.headers['content-encoding']);
      const parsed = parseRequest(req.method ?? 'POST', url, req.headers, body);
      queryId = parsed.queryId ?? queryId;
      codec = parsed.compressResponse ? responseCodec(req.headers['accept-encoding']) : undefined;
      sqlHead = parsed.engine.sql.slice(0, 160).replace(/\s+/g, ' ');
      if (!users.has(parsed.user) || users.get(parsed.user) !== parsed.password) {
        throw new ServerError('AUTHENTICATION_FAILED', `${parsed.user}: Authentication failed: password is incorrect, or there is no user with such name`);
      }
      if (running.has(queryId)) throw new ServerError('QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING', `Query with id = ${queryId} is already running`);
      running.add(queryId);
      claimed = true;
      if (opts.insertDelayMs && parsed.engine.data !== undefined) await new Promise((r) => setTimeout(r, opts.insertDelayMs));
      const result = await engine.run(parsed.engine);
      send(
        res,
        200,
        {
          'Content-Type': contentTypeFor(parsed.format),
          'X-ClickHouse-Query-Id': queryId,
          'X-ClickHouse-Format': parsed.format,
          'X-ClickHouse-Timezone': engine.timezone,
          'X-ClickHouse-Summary': JSON.stringify(result.summary),
        },
        result.bytes,
        codec,
      );
    } catch (e) {
      const w = toWireError(e, engine.version);
      status = w.status;
      if (!res.headersSent) {
        send(res, w.status, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Query-Id': queryId, 'X-ClickHouse-Exception-Code': String(w.code) }, Buffer.from(w.body), codec);
      }
      if (opts.verbose || w.status >= 500) log(`error ${w.code} ${w.type} query_id=${queryId}: ${w.body.trim().slice(0, 300)}`);
    } finally {
      if (claimed) running.delete(queryId);
      if (opts.verbose) log(`${req.method} ${status} ${Math.round(performance.now() - started)}ms query_id=${queryId} ${sqlHead}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const readOnlyProbe = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/ping' || path === '/replicas_status' || (path === '/' && readOnlyProbe && !url.searchParams.has('query'))) {
      req.resume();
      send(res, 200, { 'Content-Type': 'text/html; charset=UTF-8' }, Buffer.from('Ok.\n'), undefined);
      return;
    }
    if (path !== '/') {
      req.resume();
      send(res, 404, { 'Content-Type': 'text/plain; charset=UTF-8' }, Buffer.from(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`), undefined);
      return;
    }
    await handleQuery(req, res, url);
  }

  // Node's default header limit (16 KiB) would refuse the long URLs a server takes.
  const server: Server = createServer({ maxHeaderSize: MAX_URI_BYTES + 64 * 1024 }, (req, res) => {
    const p = handle(req, res).catch((e: unknown) => {
      log(`handler failed: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
    handlers.add(p);
    void p.finally(() => handlers.delete(p));
  });
  server.keepAliveTimeout = KEEP_ALIVE_SEC * 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    engine,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (handlers.size > 0) await Promise.allSettled([...handlers]);
        server.closeAllConnections();
        await stopped;
        await engine.close();
      })();
      return closing;
    },
  };
}

// The dashboard's static files (web/): HTML, CSS and ES modules served as
// they are, no build step. The page holds no data; everything it shows comes
// from /v1 with the caller's token, so these files are public.
//
// Only files found under the root when the server starts are served (a fixed
// table of URL path -> file), so no request path is ever joined onto the
// filesystem: `..`, encoded slashes or symbolic links cannot reach outside.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// Scripts, styles and requests only from this origin; no inline script, no
// framing. The page talks to /v1 on the same origin.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface StaticFile {
  path: string;
  type: string;
}

export interface StaticFiles {
  /** Serves the file for a GET/HEAD path; false when there is none (the caller answers 404). */
  serve(method: string, path: string, res: ServerResponse): boolean;
  /** URL paths served (for tests and logs). */
  readonly paths: readonly string[];
}

function walk(root: string, dir: string, out: Map<string, StaticFile>): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(root, full, out);
    else if (e.isFile()) {
      const type = TYPES[extname(e.name).toLowerCase()];
      if (type) out.set('/' + relative(root, full).split(sep).join('/'), { path: full, type });
    }
  }
}

/** The files under root (missing root: nothing served). */
export function staticFiles(root: string): StaticFiles {
  const files = new Map<string, StaticFile>();
  try {
    if (statSync(root).isDirectory()) walk(root, root, files);
  } catch {
    // no web/ directory (e.g. a trimmed install): the API still works
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  // Browsers ask for /favicon.ico on any page (/healthz, /metrics too).
  const icon = files.get('/favicon.svg');
  if (icon && !files.has('/favicon.ico')) files.set('/favicon.ico', icon);
  return {
    paths: [...files.keys()],
    serve(method, path, res) {
      if (method !== 'GET' && method !== 'HEAD') return false;
      const f = files.get(path);
      if (!f) return false;
      let body: Buffer;
      try {
        body = readFileSync(f.path);
      } catch {
        return false;
      }
      // no-cache: the browser revalidates, so a daemon upgrade never leaves
      // an old script running against a new API.
      res.writeHead(200, { 'content-type': f.type, 'content-length': String(body.length), 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

// The request line's target (RFC 9112 §3.2) turned into a path and a query
// without ever throwing. `new URL(req.url, base)` reads `//a:b@` as an
// authority and throws on `//`, so origin-form is split by hand; the
// absolute-form (`GET http://host/v1/x`) is accepted as the RFC asks of a
// server; anything else is the client's 400.
import { HttpError } from '../core/http/router.ts';

export interface RequestTarget {
  /** The path, still percent-encoded, as the router matches it. */
  path: string;
  query: URLSearchParams;
}

function splitQuery(pathAndQuery: string): RequestTarget {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  // A fragment never reaches a server, but a raw client may send one anyway.
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1).replace(/#.*$/, '');
  // URLSearchParams never throws: a malformed escape stays as written.
  return { path: path.replace(/#.*$/, '') || '/', query: new URLSearchParams(query) };
}

export function parseRequestTarget(target: string | undefined): RequestTarget {
  const t = target ?? '/';
  if (t.startsWith('/')) return splitQuery(t);
  if (/^https?:\/\//i.test(t)) {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      throw new HttpError(400, 'malformed request target');
    }
    return splitQuery(url.pathname + url.search);
  }
  throw new HttpError(400, 'request target must be a path (origin-form) or an http URL (absolute-form)');
}

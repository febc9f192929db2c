// Raw HTTP over a socket: request lines that fetch (and every well-behaved
// client) would normalise or refuse to send, written byte for byte.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function rawRequest(port: number, requestLine: string, headers: string[] = [], body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to ${JSON.stringify(requestLine)} within 10 s`));
    }, 10_000);
    sock.on('connect', () => {
      sock.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => h + '\r\n').join('')}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`, 'latin1');
    });
    sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
      const hs: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        if (i > 0) hs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = rest.join('\r\n\r\n');
      resolve({ status, headers: hs, body: hs['transfer-encoding'] === 'chunked' ? dechunk(body) : body, raw: data });
    });
  });
}

function dechunk(s: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = s.indexOf('\r\n', at);
    if (eol < 0) return out;
    const n = parseInt(s.slice(at, eol), 16);
    if (!Number.isFinite(n) || n === 0) return out;
    out += s.slice(eol + 2, eol + 2 + n);
    at = eol + 2 + n + 2;
  }
}

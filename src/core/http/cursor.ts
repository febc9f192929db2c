// Cursor (keyset) pagination for lists that grow at the top as data arrives
// (score history, detector runs, alerts, silences: newest first). An offset
// over such a list shifts whenever a row arrives between two page requests,
// so a client would see rows twice or never; a cursor names the last row of
// the page instead, and the next page starts strictly after it.
//
// The token is opaque to clients: base64url of the sort key of the page's
// last row, plus a digest of the filters it was made under, so a cursor
// reused with other filters is refused rather than silently misapplied.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HttpError } from './router.ts';

/** A page of a cursor-paginated list: `next` is null on the last page. */
export interface CursorPage<T> {
  items: T[];
  limit: number;
  /** Pass as `cursor` to get the next page; null when there is none. */
  next: string | null;
}

export const cursorParam = z.string().min(1).max(1024).optional().describe('The `next` token of the previous page; omit for the first page.');

const digest = (filters: Record<string, unknown>): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(filters).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))))
    .digest('base64url')
    .slice(0, 12);

export function encodeCursor(key: ReadonlyArray<string | number>, filters: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ k: key, f: digest(filters) })).toString('base64url');
}

/** The sort key a cursor names, checked against the shape `kinds` and the request's filters; a 400 otherwise. */
export function decodeCursor(token: string, kinds: ReadonlyArray<'string' | 'number'>, filters: Record<string, unknown>): Array<string | number> {
  const bad = (why: string): HttpError => HttpError.problems([{ detail: why, parameter: 'cursor' }], 'invalid query parameters');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this list gave out');
  }
  const c = parsed as { k?: unknown; f?: unknown };
  if (!Array.isArray(c.k) || c.k.length !== kinds.length || c.k.some((v, i) => typeof v !== kinds[i] || (typeof v === 'number' && !Number.isFinite(v)))) {
    throw bad('not a cursor this list gave out');
  }
  if (c.f !== digest(filters)) throw bad('the cursor belongs to a request with other filters: repeat the filters of the first page');
  return c.k as Array<string | number>;
}

/** The page from rows fetched with limit + 1 (the extra row only says that another page exists). */
export function cursorPage<T>(rows: T[], limit: number, keyOf: (row: T) => ReadonlyArray<string | number>, filters: Record<string, unknown>): CursorPage<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, limit, next: more && last !== undefined ? encodeCursor(keyOf(last), filters) : null };
}

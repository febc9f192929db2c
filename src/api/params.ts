// Query-string validation for the /v1 API: one zod schema per route, 400
// with every problem listed.
import type { z } from 'zod';
import { HttpError } from '../core/http/router.ts';

export function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [k, v] of query) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) throw HttpError.invalid('query', r.error.issues);
  return r.data;
}

/** A page of results with what a client needs to fetch the next one. */
export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  /** Offset of the next page, or null on the last page. */
  next_offset: number | null;
}

export function page<T>(rows: T[], limit: number, offset: number): Page<T> {
  // Queries fetch limit + 1 rows: the extra row only says another page exists.
  const more = rows.length > limit;
  return { items: more ? rows.slice(0, limit) : rows, limit, offset, next_offset: more ? offset + limit : null };
}

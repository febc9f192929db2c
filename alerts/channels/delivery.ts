// One delivery = attempts classified as ok / retriable / final, with
// exponential backoff and jitter between them (util/backoff) and Retry-After
// honoured. HTTP status rules shared by every webhook-style channel:
// 2xx ok; 408, 429 and 5xx retriable; any other 4xx final; network errors
// and timeouts retriable.
import { backoffDelay, sleep } from '../../src/core/util/backoff.ts';

export interface DeliveryPolicy {
  timeoutMs: number;
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Retry-After values above this are capped. */
  maxRetryAfterMs?: number;
  random?: () => number;
}

export type AttemptResult = { ok: true; status?: number } | { ok: false; retriable: boolean; status?: number; retryAfterMs?: number; error: string };

const DEFAULT_MAX_RETRY_AFTER_MS = 15 * 60_000;

export async function deliverWithRetries(
  attempt: (signal: AbortSignal) => Promise<AttemptResult>,
  policy: DeliveryPolicy,
  signal: AbortSignal,
  onRetry?: (r: AttemptResult, attempt: number, delayMs: number) => void,
): Promise<AttemptResult> {
  let last: AttemptResult = { ok: false, retriable: true, error: 'not attempted' };
  for (let i = 0; i < policy.attempts; i++) {
    if (signal.aborted) return { ok: false, retriable: true, error: 'aborted by shutdown' };
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    try {
      last = await attempt(AbortSignal.any([signal, timeout]));
    } catch (e) {
      last = { ok: false, retriable: true, error: timeout.aborted ? `timed out after ${policy.timeoutMs}ms` : errorText(e) };
    }
    if (last.ok || !last.retriable || i + 1 >= policy.attempts) return last;
    const delay = retryDelay(i, policy, last.retryAfterMs);
    onRetry?.(last, i + 1, delay);
    try {
      await sleep(delay, signal);
    } catch {
      return { ok: false, retriable: true, error: `aborted by shutdown (last error: ${last.error})` };
    }
  }
  return last;
}

export function retryDelay(attempt: number, policy: Pick<DeliveryPolicy, 'baseMs' | 'maxMs' | 'maxRetryAfterMs' | 'random'>, retryAfterMs?: number): number {
  const backoff = backoffDelay(attempt, { baseMs: policy.baseMs, maxMs: policy.maxMs, random: policy.random });
  if (retryAfterMs === undefined) return backoff;
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS));
}

export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  if (e.name === 'TimeoutError') return 'timed out';
  return `${e.message}${cause}`;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function classifyStatus(status: number): 'ok' | 'retry' | 'final' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'final';
}

export interface HttpPost {
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/** One POST, classified. The response body (first 500 chars) goes into the error text. */
export async function httpAttempt(req: HttpPost, signal: AbortSignal): Promise<AttemptResult & { body?: string }> {
  const res = await fetch(req.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'driftwatch', ...req.headers },
    body: req.body,
    signal,
    redirect: 'error',
  });
  const text = await res.text().catch(() => '');
  const kind = classifyStatus(res.status);
  if (kind === 'ok') return { ok: true, status: res.status, body: text };
  return {
    ok: false,
    retriable: kind === 'retry',
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    error: `HTTP ${res.status}${text ? `: ${text.slice(0, 500)}` : ''}`,
    body: text,
  };
}

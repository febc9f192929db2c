// Exponential backoff with full jitter and a cap, shared by every retry loop
// (store connect, inserts, Kafka, alert channels, webhooks). Programming
// errors (TypeError, RangeError) are never retried.

export interface BackoffOptions {
  /** First delay in ms before jitter. */
  baseMs?: number;
  /** Largest delay in ms. */
  maxMs: number;
  /** Jitter source; injectable for tests. */
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const base = opts.baseMs ?? 100;
  const ceiling = Math.min(opts.maxMs, base * 2 ** Math.min(attempt, 30));
  const r = (opts.random ?? Math.random)();
  // Full jitter between half and all of the ceiling: spreads retries of many
  // clients without ever retrying immediately.
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions extends BackoffOptions {
  /** Give up after this many attempts (default: unbounded until signal aborts). */
  attempts?: number;
  signal?: AbortSignal;
  isRetriable?: (e: unknown) => boolean;
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

export function isProgrammingError(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError;
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const retriable = !isProgrammingError(e) && (opts.isRetriable ? opts.isRetriable(e) : true);
      if (!retriable || (opts.attempts !== undefined && attempt + 1 >= opts.attempts) || opts.signal?.aborted) throw e;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(e, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}

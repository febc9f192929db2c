// When to recreate a Kafka consumer that died: exponential backoff with
// jitter (half to all of the ceiling, see core/util/backoff.ts), capped, and
// forgotten once the consumer has been healthy (in its group) for a while, so
// a consumer that fails once a day restarts quickly each time while one that
// cannot start backs off to the cap instead of retrying every second.
import { backoffDelay } from '../core/util/backoff.ts';

export interface RestartBackoffOptions {
  /** Ceiling of the first delay. */
  initialMs: number;
  /** Largest delay. */
  maxMs: number;
  /** Healthy this long (since the last healthy() call) and the next failure counts as the first again. */
  healthyAfterMs: number;
  random?: () => number;
  now?: () => number;
}

export class RestartBackoff {
  readonly #o: RestartBackoffOptions;
  #failures = 0;
  #healthySince: number | null = null;
  #nextAt: number | null = null;

  constructor(opts: RestartBackoffOptions) {
    this.#o = opts;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Failures in a row (since the last reset). */
  get failures(): number {
    return this.#failures;
  }

  /** When the next attempt is due (ms epoch), or null when none is pending. */
  get nextAt(): number | null {
    return this.#nextAt;
  }

  /** The consumer is working (joined its group): start or continue the healthy period. */
  healthy(): void {
    this.#healthySince ??= this.#now();
    this.#nextAt = null;
  }

  /** The consumer died: how long to wait before the next attempt. */
  failed(): number {
    const now = this.#now();
    if (this.#healthySince !== null && now - this.#healthySince >= this.#o.healthyAfterMs) this.#failures = 0;
    this.#healthySince = null;
    const delay = backoffDelay(this.#failures, { baseMs: this.#o.initialMs, maxMs: this.#o.maxMs, random: this.#o.random });
    this.#failures++;
    this.#nextAt = now + delay;
    return delay;
  }
}

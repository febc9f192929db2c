// An in-memory channel with failure switches, for tests of the dispatcher
// and the engine (retry and failure paths on purpose, not by accident).
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';

export class FakeChannel implements Channel {
  readonly type = 'fake' as const;
  readonly sent: Notification[] = [];
  /** Reject every send while true. */
  fail = false;
  /** Delay every send by this many ms. */
  delayMs = 0;
  /** Ask the dispatcher to re-send firing alerts this often, as Alertmanager's channel does. */
  resendMs: number | undefined = undefined;
  #closed = false;
  readonly #inflight = new Set<Promise<void>>();

  send(n: Notification): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('fake channel is shut down'));
    const p = (async () => {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.fail) throw new Error('fake channel failure (test switch)');
      this.sent.push(n);
    })();
    this.#inflight.add(p);
    const done = (): void => void this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}

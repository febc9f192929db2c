// The one owner of the daemon's life: its state, the start order, and the
// ordered drain on SIGINT/SIGTERM. A second signal, or the drain deadline,
// ends the process with a non-zero code.
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Component, Readiness } from '../core/component.ts';

export type DaemonState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface DaemonOptions {
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Exit hook; tests replace it. */
  exit?: (code: number) => void;
}

export const EXIT_OK = 0;
export const EXIT_FORCED = 130;
export const EXIT_DEADLINE = 124;

export class Daemon {
  #state: DaemonState = 'starting';
  readonly #components: Component[] = [];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #exit: (code: number) => void;
  #stopping: Promise<void> | null = null;
  readonly #startAbort = new AbortController();
  readonly #onSignal = (sig: NodeJS.Signals): void => this.#handleSignal(sig);

  constructor(opts: DaemonOptions) {
    this.#logger = opts.logger;
    this.#timeoutMs = opts.shutdownTimeoutMs;
    this.#exit = opts.exit ?? ((code) => process.exit(code));
  }

  getState(): DaemonState {
    return this.#state;
  }

  /** Aborted when shutdown begins, so slow start steps (waiting for a server) give up. */
  get startSignal(): AbortSignal {
    return this.#startAbort.signal;
  }

  add(component: Component): void {
    this.#components.push(component);
  }

  readiness(): { ready: boolean; checks: Record<string, Readiness> } {
    const checks: Record<string, Readiness> = {
      daemon: { ready: this.#state === 'running', reason: this.#state },
    };
    for (const c of this.#components) if (c.readiness) checks[c.name] = c.readiness();
    return { ready: Object.values(checks).every((c) => c.ready), checks };
  }

  installSignalHandlers(): void {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  async start(): Promise<void> {
    this.#state = 'starting';
    for (const c of this.#components) {
      if (this.#stopping) return;
      this.#logger.info('starting component', { component: c.name });
      await c.start();
    }
    if (this.#stopping) return;
    this.#state = 'running';
    this.#logger.info('daemon running', { components: this.#components.map((c) => c.name) });
  }

  #handleSignal(sig: NodeJS.Signals): void {
    if (this.#stopping) {
      this.#logger.error('second signal during drain, exiting now', { signal: sig });
      this.#exit(EXIT_FORCED);
      return;
    }
    this.#logger.info('signal received, draining', { signal: sig, deadline_ms: this.#timeoutMs });
    void this.stop().then(
      (ok) => this.#exit(ok ? EXIT_OK : EXIT_DEADLINE),
      () => this.#exit(EXIT_DEADLINE),
    );
  }

  /** Drain and stop everything in reverse order. Resolves false when the deadline passed. */
  async stop(): Promise<boolean> {
    if (!this.#stopping) this.#stopping = this.#drain();
    await this.#stopping;
    return this.#state === 'stopped';
  }

  async #drain(): Promise<void> {
    this.#state = 'draining';
    this.#startAbort.abort(new Error('shutdown'));
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('shutdown deadline')), this.#timeoutMs);
    timer.unref();
    let timedOut = false;
    for (const c of [...this.#components].reverse()) {
      const t0 = Date.now();
      try {
        await Promise.race([
          c.stop(deadline.signal),
          new Promise<void>((_, reject) => {
            if (deadline.signal.aborted) reject(new Error('deadline'));
            deadline.signal.addEventListener('abort', () => reject(new Error('deadline')), { once: true });
          }),
        ]);
        this.#logger.info('component stopped', { component: c.name, ms: Date.now() - t0 });
      } catch (e) {
        if (deadline.signal.aborted) {
          timedOut = true;
          this.#logger.error('shutdown deadline passed while stopping', { component: c.name, code: 'DW_SHUTDOWN_TIMEOUT' });
          break;
        }
        this.#logger.error('component failed to stop cleanly', { component: c.name, error: describeError(e) });
      }
    }
    clearTimeout(timer);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    this.#state = timedOut ? 'failed' : 'stopped';
    this.#logger.info('daemon stopped', { state: this.#state });
  }
}

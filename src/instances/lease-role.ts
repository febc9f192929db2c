// A role held through a lease kept in ClickHouse (sql/080_instance_leases.sql)
// with a fencing token. ClickHouse has no compare-and-set, so a claim is an
// insert followed by a read-back: the highest token is the current tenure and
// among claims of the same token the earliest by the server's clock wins.
// Two instances claiming at once cannot both win: whichever read-back comes
// second sees both claims, and the first read-back saw its own claim only if
// that claim was inserted (and stamped) before the other.
//
// The holder renews every ttl/3. Contenders look again just after the
// current lease runs out, so a dead owner is replaced within one lease TTL.
// Locally, a tenure is trusted until `request start + ttl` on the monotonic
// clock, never past the server's expiry; `fence()` adds a read of the store
// right before the write or send that matters, so an owner that was paused
// (GC, SIGSTOP, a slow disk) past its lease finds out before it acts.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Gauge } from 'prom-client';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import { notOwner, type Ownership } from '../core/ownership.ts';
import type { Store } from '../core/store/store.ts';

export type RoleListener = () => Promise<void> | void;

export interface LeaseRoleOptions {
  role: string;
  store: () => Store;
  ttlMs: number;
  holder: string;
  logger: Logger;
  /** driftwatch_instance_role{role}: 1 while held. */
  gauge?: Gauge<'role'>;
}

interface Current {
  token: number;
  holder: string;
  leftMs: number;
}

export function defaultHolder(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export class LeaseRole implements Ownership {
  readonly role: string;
  readonly #o: LeaseRoleOptions;
  #token = 0;
  /** performance.now() until which the tenure is trusted locally. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #attempt: Promise<void> | null = null;
  readonly #beforeGain: RoleListener[] = [];
  readonly #onGain: RoleListener[] = [];
  readonly #onLose: RoleListener[] = [];

  constructor(opts: LeaseRoleOptions) {
    this.#o = opts;
    this.role = opts.role;
  }

  get holder(): string {
    return this.#o.holder;
  }

  /** Awaited, in order, when this instance has won the role but before held() turns true (reload shared state). */
  beforeGain(l: RoleListener): void {
    this.#beforeGain.push(l);
  }

  /** Awaited, in order, right after held() turned true (catch up on missed work). */
  onGain(l: RoleListener): void {
    this.#onGain.push(l);
  }

  onLose(l: RoleListener): void {
    this.#onLose.push(l);
  }

  held(): boolean {
    return this.#token > 0 && performance.now() < this.#validUntil;
  }

  token(): number {
    return this.held() ? this.#token : 0;
  }

  async fence(): Promise<void> {
    if (!this.held()) throw notOwner(this.role, this.#token > 0 ? 'the lease ran out before it was renewed' : 'another instance holds it');
    const cur = await this.#current();
    if (!cur || cur.holder !== this.#o.holder || cur.token !== this.#token || cur.leftMs <= 0) {
      await this.#lose(cur ? `${cur.holder} holds token ${cur.token}` : 'no lease');
      throw notOwner(this.role, cur ? `${cur.holder} holds it with token ${cur.token}` : 'the lease is gone');
    }
  }

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stop contending; an owner gives the role up at once (expires its lease) so another takes over without waiting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#attempt;
    if (this.#token > 0) {
      const token = this.#token;
      await this.#lose('shutting down');
      try {
        await this.#insert(token, 0);
      } catch (e) {
        this.#o.logger.warn('could not release the role; another instance takes it when the lease runs out', { role: this.role, error: describeError(e) });
      }
    }
  }

  /** One claim or renewal now (tests, and the loop). Never rejects. */
  async tryAcquire(): Promise<boolean> {
    if (this.#attempt) {
      await this.#attempt;
      return this.held();
    }
    let next = this.#o.ttlMs / 3;
    this.#attempt = (async () => {
      try {
        next = await this.#acquireOnce();
      } catch (e) {
        this.#o.logger.warn('role lease check failed', { role: this.role, error: describeError(e) });
        if (this.#token > 0 && !this.held()) await this.#lose('the lease could not be renewed in time');
        next = Math.min(1000, this.#o.ttlMs / 3);
      }
    })().finally(() => (this.#attempt = null));
    await this.#attempt;
    if (!this.#stopped) this.#schedule(next);
    return this.held();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.tryAcquire(), Math.max(0, ms));
    this.#timer.unref();
  }

  /** Returns when to look again (ms). */
  async #acquireOnce(): Promise<number> {
    const ttl = this.#o.ttlMs;
    const cur = await this.#current();
    const mine = cur !== null && cur.holder === this.#o.holder && cur.token === this.#token && this.#token > 0;
    if (cur !== null && cur.leftMs > 0 && !mine) {
      if (this.#token > 0) await this.#lose(`${cur.holder} holds token ${cur.token}`);
      // Look again just after it runs out (sooner if that is far off, to notice a release).
      return Math.min(cur.leftMs + 25, ttl / 3);
    }
    const token = mine ? this.#token : (cur?.token ?? 0) + 1;
    const started = performance.now();
    await this.#insert(token, ttl);
    const after = await this.#current();
    if (after === null || after.holder !== this.#o.holder || after.token !== token) {
      if (this.#token > 0) await this.#lose(after ? `${after.holder} holds token ${after.token}` : 'no lease');
      return Math.min(Math.max(after?.leftMs ?? 0, 0) + 25, ttl / 3);
    }
    if (!mine) {
      for (const l of this.#beforeGain) await l();
      this.#token = token;
      this.#validUntil = started + ttl;
      this.#o.logger.info('instance role acquired', { role: this.role, token, holder: this.#o.holder, previous: cur?.holder ?? null, previous_token: cur?.token ?? null });
      this.#o.gauge?.set({ role: this.role }, 1);
      for (const l of this.#onGain) {
        try {
          await l();
        } catch (e) {
          this.#o.logger.error('catching up after taking over a role failed', { role: this.role, error: describeError(e) });
        }
      }
    } else {
      this.#validUntil = started + ttl;
    }
    return ttl / 3;
  }

  async #lose(why: string): Promise<void> {
    if (this.#token === 0) return;
    const token = this.#token;
    this.#token = 0;
    this.#validUntil = 0;
    this.#o.gauge?.set({ role: this.role }, 0);
    this.#o.logger.warn('instance role lost', { role: this.role, token, why });
    for (const l of this.#onLose) {
      try {
        await l();
      } catch (e) {
        this.#o.logger.error('giving up a role failed', { role: this.role, error: describeError(e) });
      }
    }
  }

  async #insert(token: number, ttlMs: number): Promise<void> {
    await this.#o.store().command(
      `INSERT INTO instance_leases (role, token, holder, expires_at)
       SELECT {role:String}, {token:UInt64}, {holder:String}, now64(3) + toIntervalMillisecond({ttl:UInt32})`,
      { params: { role: this.role, token, holder: this.#o.holder, ttl: ttlMs } },
    );
  }

  async #current(): Promise<Current | null> {
    const [row] = await this.#o.store().query<{ token: string | number; holder: string; left_ms: string | number }>(
      `SELECT token, holder, toUnixTimestamp64Milli(argMax(expires_at, acquired_at)) - toUnixTimestamp64Milli(now64(3)) AS left_ms
       FROM instance_leases
       WHERE role = {role:String} AND token = (SELECT max(token) FROM instance_leases WHERE role = {role:String})
       GROUP BY token, holder
       ORDER BY min(acquired_at), holder
       LIMIT 1`,
      { params: { role: this.role } },
    );
    return row ? { token: Number(row.token), holder: row.holder, leftMs: Number(row.left_ms) } : null;
  }
}

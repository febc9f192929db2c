// Idempotency-Key for POST /v1/predictions and /v1/labels (after the IETF
// httpapi Idempotency-Key draft): the first request with a key is processed
// and its answer kept for the horizon; the same key with the same body again
// gets that answer back (header `idempotent-replayed: true`) and stores
// nothing; the same key with another body is 422; a request whose key is
// still being processed is 409 (retry after a second).
//
// Only answers that acknowledged rows (200, 202) are kept: a 400 or 503 is
// not, so the client may fix or retry its request under the same key. The
// answer is kept after the rows are stored and before it is sent; a kill in
// between loses the answer but not the rows, and the retry is then processed
// again, where per-event deduplication (dedup.ts) finds its events stored.
//
// Answers are journaled under data_dir (one JSON line each, one file per
// horizon, files older than two horizons deleted) and read back at start, so
// they survive restarts. Like dedup.ts this is per driftwatch instance.
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import { writeAll } from './file-io.ts';

export interface KeptAnswer {
  /** SHA-256 of the request body (hex). */
  hash: string;
  status: number;
  body: unknown;
  at: number;
}

interface Line extends KeptAnswer {
  route: string;
  key: string;
}

export interface IdempotencyOptions {
  dir: string;
  horizonMs: number;
  /** Answers kept in memory at most (the oldest go first). */
  maxKeys: number;
  logger: Logger;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** Why an Idempotency-Key header value is not usable, or null when it is. */
export function badIdempotencyKey(key: string): string | null {
  return KEY_RE.test(key) ? null : 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces';
}

export class IdempotencyStore {
  readonly #o: IdempotencyOptions;
  readonly #answers = new Map<string, KeptAnswer>();
  readonly #inFlight = new Set<string>();
  #file: { path: string; created: number; fh: FileHandle | null } | null = null;
  #writes: Promise<void> = Promise.resolve();

  constructor(opts: IdempotencyOptions) {
    this.#o = opts;
  }

  get enabled(): boolean {
    return this.#o.horizonMs > 0;
  }

  start(): void {
    if (!this.enabled || !existsSync(this.#o.dir)) return;
    const cutoff = Date.now() - this.#o.horizonMs;
    for (const name of readdirSync(this.#o.dir).filter((n) => /^answers-\d+\.jsonl$/.test(n)).sort()) {
      const path = join(this.#o.dir, name);
      if (Number(name.slice(8, -6)) < cutoff - this.#o.horizonMs) {
        unlinkSync(path);
        continue;
      }
      for (const text of readFileSync(path, 'utf8').split('\n')) {
        if (!text) continue;
        try {
          const l = JSON.parse(text) as Line;
          if (l.at >= cutoff) this.#remember(`${l.route}\u0000${l.key}`, { hash: l.hash, status: l.status, body: l.body, at: l.at });
        } catch {
          // A line cut short by a kill: its answer was never sent.
        }
      }
    }
  }

  async stop(): Promise<void> {
    await this.#writes;
    await this.#file?.fh?.close().catch(() => undefined);
    if (this.#file) this.#file.fh = null;
  }

  /** The answer kept for (route, key) within the horizon. */
  answer(route: string, key: string): KeptAnswer | undefined {
    const id = `${route}\u0000${key}`;
    const a = this.#answers.get(id);
    if (a && a.at < Date.now() - this.#o.horizonMs) {
      this.#answers.delete(id);
      return undefined;
    }
    return a;
  }

  /** Claim (route, key) for a request; false when another request holds it. */
  claim(route: string, key: string): boolean {
    const id = `${route}\u0000${key}`;
    if (this.#inFlight.has(id)) return false;
    this.#inFlight.add(id);
    return true;
  }

  release(route: string, key: string): void {
    this.#inFlight.delete(`${route}\u0000${key}`);
  }

  /** Keep the answer given to (route, key); resolves once it is journaled. */
  async keep(route: string, key: string, answer: KeptAnswer): Promise<void> {
    this.#remember(`${route}\u0000${key}`, answer);
    const line: Line = { route, key, ...answer };
    const write = this.#writes.then(async () => {
      const fh = await this.#handle();
      await writeAll(fh, [Buffer.from(JSON.stringify(line) + '\n')]);
    });
    this.#writes = write.catch((e: unknown) => this.#o.logger.warn('could not journal an Idempotency-Key answer', { error: describeError(e) }));
    await this.#writes;
  }

  #remember(id: string, answer: KeptAnswer): void {
    this.#answers.delete(id);
    this.#answers.set(id, answer);
    while (this.#answers.size > this.#o.maxKeys) {
      const oldest = this.#answers.keys().next().value;
      if (oldest === undefined) break;
      this.#answers.delete(oldest);
    }
  }

  /** The journal file answers go to now: a new one every horizon; those older than two horizons are deleted. */
  async #handle(): Promise<FileHandle> {
    const now = Date.now();
    if (!this.#file || now - this.#file.created > this.#o.horizonMs) {
      await this.#file?.fh?.close().catch(() => undefined);
      mkdirSync(this.#o.dir, { recursive: true });
      this.#file = { path: join(this.#o.dir, `answers-${String(now).padStart(15, '0')}.jsonl`), created: now, fh: null };
      for (const name of readdirSync(this.#o.dir)) {
        const m = /^answers-(\d+)\.jsonl$/.exec(name);
        if (m && Number(m[1]) < now - 2 * this.#o.horizonMs) unlinkSync(join(this.#o.dir, name));
      }
    }
    this.#file.fh ??= await open(this.#file.path, 'a');
    return this.#file.fh;
  }
}

// Silences as in Alertmanager: label matchers, a start and an end, an author
// and a comment. Kept in ClickHouse (versioned rows) and cached in memory;
// the cache is refreshed periodically so a silence created by another
// process (the CLI against a ClickHouse server) takes effect too.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../src/core/config/format-issues.ts';
import { DriftwatchError } from '../src/core/errors.ts';
import type { Store } from '../src/core/store/store.ts';
import { durationString, parseDuration } from '../src/core/util/duration.ts';
import { chTime, type Clock } from './clock.ts';
import { compileMatcher, formatMatcher, matchesAll, parseMatcher, type CompiledMatcher, type Labels, type Matcher } from './labels.ts';

export type SilenceState = 'pending' | 'active' | 'expired';

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

export function silenceState(s: Silence, now: number): SilenceState {
  if (now >= s.endsAt) return 'expired';
  if (now < s.startsAt) return 'pending';
  return 'active';
}

/** The JSON shape of a silence in the HTTP API and the CLI. */
export function silenceJson(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.op === '=~' || m.op === '!~', isEqual: m.op === '=' || m.op === '=~', text: formatMatcher(m) })),
    starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(),
    created_by: s.createdBy,
    comment: s.comment,
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
  };
}

/** A matcher as text (`name="value"`) or as Alertmanager's object form {name, value, isRegex, isEqual}. */
function toMatcher(v: unknown): Matcher {
  if (typeof v === 'string') return parseMatcher(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !['name', 'value', 'isRegex', 'isEqual'].includes(k));
    if (typeof o.name !== 'string' || typeof o.value !== 'string' || extra.length > 0 || (o.isRegex !== undefined && typeof o.isRegex !== 'boolean') || (o.isEqual !== undefined && typeof o.isEqual !== 'boolean')) {
      throw new Error('a matcher object has name and value (strings) and optionally isRegex and isEqual (booleans)');
    }
    const isRegex = o.isRegex === true;
    const isEqual = o.isEqual !== false;
    const m: Matcher = { name: o.name, value: o.value, op: isRegex ? (isEqual ? '=~' : '!~') : isEqual ? '=' : '!=' };
    compileMatcher(m);
    return m;
  }
  throw new Error('a matcher is a string like name="value" or an object {name, value, isRegex, isEqual}');
}

const matcherInput = z.unknown().transform((v, ctx): Matcher => {
  try {
    return toMatcher(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export const silenceInputSchema = z
  .strictObject({
    matchers: z.array(matcherInput).min(1, 'give at least one matcher'),
    starts_at: z.iso.datetime({ offset: true }).optional(),
    ends_at: z.iso.datetime({ offset: true }).optional(),
    duration: durationString().optional(),
    created_by: z.string().trim().min(1, 'required: who creates the silence'),
    comment: z.string().trim().min(1, 'required: why (a ticket, an incident)'),
  })
  .superRefine((v, ctx) => {
    if (v.ends_at === undefined && v.duration === undefined) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'give ends_at or duration' });
    if (v.ends_at !== undefined && v.duration !== undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: 'give ends_at or duration, not both' });
    // Like Alertmanager: a silence whose matchers all match the empty
    // string would mute every alert.
    if (v.matchers.length > 0 && v.matchers.every((m) => compileMatcher(m).matches({}))) {
      ctx.addIssue({ code: 'custom', path: ['matchers'], message: 'at least one matcher must not match the empty string (this silence would mute everything)' });
    }
  });

export type SilenceInput = z.input<typeof silenceInputSchema>;

export interface SilenceStore {
  all(): Promise<Silence[]>;
  put(s: Silence): Promise<void>;
}

export class MemorySilenceStore implements SilenceStore {
  readonly silences = new Map<string, Silence>();
  async all(): Promise<Silence[]> {
    return [...this.silences.values()];
  }
  async put(s: Silence): Promise<void> {
    this.silences.set(s.id, s);
  }
}

interface SilenceRow {
  id: string;
  matchers: string;
  starts_ms: string;
  ends_ms: string;
  created_by: string;
  comment: string;
  created_ms: string;
  updated_ms: string;
}

export class ClickHouseSilenceStore implements SilenceStore {
  #version = 0n;
  constructor(private readonly store: Store) {}

  async all(): Promise<Silence[]> {
    const rows = await this.store.query<SilenceRow>(
      `SELECT id, matchers, toString(toUnixTimestamp64Milli(starts_at)) AS starts_ms, toString(toUnixTimestamp64Milli(ends_at)) AS ends_ms,
              created_by, comment, toString(toUnixTimestamp64Milli(created_at)) AS created_ms, toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms
       FROM alert_silences ORDER BY id, version DESC LIMIT 1 BY id`,
    );
    return rows.map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as Matcher[],
      startsAt: Number(r.starts_ms),
      endsAt: Number(r.ends_ms),
      createdBy: r.created_by,
      comment: r.comment,
      createdAt: Number(r.created_ms),
      updatedAt: Number(r.updated_ms),
    }));
  }

  async put(s: Silence): Promise<void> {
    const wall = BigInt(Date.now()) * 1000n;
    this.#version = wall > this.#version ? wall : this.#version + 1n;
    await this.store.insert('alert_silences', [
      {
        id: s.id,
        matchers: JSON.stringify(s.matchers),
        starts_at: chTime(s.startsAt),
        ends_at: chTime(s.endsAt),
        created_by: s.createdBy,
        comment: s.comment,
        created_at: chTime(s.createdAt),
        updated_at: chTime(s.updatedAt),
        version: this.#version.toString(),
      },
    ]);
  }
}

interface CachedSilence {
  silence: Silence;
  matchers: CompiledMatcher[];
}

export class Silences {
  #cache: CachedSilence[] = [];
  #loadedAt = -Infinity;

  constructor(
    private readonly store: SilenceStore,
    private readonly clock: Clock,
    private readonly refreshMs = 10_000,
  ) {}

  async refresh(): Promise<void> {
    const all = await this.store.all();
    this.#cache = all.map((silence) => ({ silence, matchers: silence.matchers.map(compileMatcher) }));
    this.#loadedAt = this.clock.now();
  }

  /** Refresh when the cache is older than the refresh interval. */
  async refreshIfStale(): Promise<void> {
    if (this.clock.now() - this.#loadedAt >= this.refreshMs) await this.refresh();
  }

  list(state?: SilenceState): Silence[] {
    const now = this.clock.now();
    return this.#cache
      .map((c) => c.silence)
      .filter((s) => state === undefined || silenceState(s, now) === state)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  get(id: string): Silence {
    const found = this.#cache.find((c) => c.silence.id === id);
    if (!found) throw new DriftwatchError('DW_ALERT_SILENCE_NOT_FOUND', `no silence with id ${id}`);
    return found.silence;
  }

  async create(input: unknown): Promise<Silence> {
    const parsed = silenceInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = formatIssues(parsed.error.issues).flatMap((l) => l.split('\n'));
      throw new DriftwatchError('DW_ALERT_SILENCE_INVALID', `invalid silence: ${problems.join('; ')}`, { details: { problems } });
    }
    const v = parsed.data;
    const now = this.clock.now();
    const startsAt = v.starts_at ? Date.parse(v.starts_at) : now;
    const endsAt = v.ends_at ? Date.parse(v.ends_at) : startsAt + parseDuration(v.duration ?? '0s');
    if (endsAt <= startsAt) throw new DriftwatchError('DW_ALERT_SILENCE_INVALID', 'invalid silence: ends_at must be after starts_at', { details: { problems: ['ends_at: must be after starts_at'] } });
    if (endsAt <= now) throw new DriftwatchError('DW_ALERT_SILENCE_INVALID', 'invalid silence: ends_at is in the past', { details: { problems: ['ends_at: is in the past'] } });
    const silence: Silence = { id: randomUUID(), matchers: v.matchers, startsAt, endsAt, createdBy: v.created_by, comment: v.comment, createdAt: now, updatedAt: now };
    await this.#put(silence);
    return silence;
  }

  /** End a silence now; expiring an expired silence changes nothing. */
  async expire(id: string): Promise<Silence> {
    await this.refresh();
    const s = this.get(id);
    const now = this.clock.now();
    if (silenceState(s, now) === 'expired') return s;
    const expired: Silence = { ...s, startsAt: Math.min(s.startsAt, now), endsAt: now, updatedAt: now };
    await this.#put(expired);
    return expired;
  }

  /** Ids of the active silences that mute these labels. */
  mutedBy(labels: Labels): string[] {
    const now = this.clock.now();
    return this.#cache.filter((c) => silenceState(c.silence, now) === 'active' && matchesAll(c.matchers, labels)).map((c) => c.silence.id);
  }

  async #put(s: Silence): Promise<void> {
    try {
      await this.store.put(s);
    } catch (e) {
      throw new DriftwatchError('DW_ALERT_STATE', `cannot store silence ${s.id}: ${(e as Error).message}`, { cause: e, retriable: true });
    }
    this.#cache = [...this.#cache.filter((c) => c.silence.id !== s.id), { silence: s, matchers: s.matchers.map(compileMatcher) }];
  }
}

// The notification log, as in Alertmanager: per (receiver, integration,
// group) what was last sent: which alerts were firing, which resolved, and
// when. It decides whether a flush must notify (new firing alerts, newly
// resolved ones, or repeat_interval elapsed), and because it is kept in
// ClickHouse a restart neither re-pages nor forgets.
import type { Logger } from '../src/core/log/logger.ts';
import { describeError } from '../src/core/errors.ts';
import type { Store } from '../src/core/store/store.ts';
import { chTime } from './clock.ts';

export interface NflogEntry {
  receiver: string;
  integration: string;
  groupKey: string;
  firing: string[];
  resolved: string[];
  /** ms */
  sentAt: number;
}

export interface NflogStore {
  load(now: number): Promise<NflogEntry[]>;
  put(entry: NflogEntry, expiresAt: number): Promise<void>;
}

const key = (receiver: string, integration: string, groupKey: string): string => JSON.stringify([receiver, integration, groupKey]);

export class NotificationLog {
  readonly #entries = new Map<string, NflogEntry>();

  constructor(
    private readonly store: NflogStore | null,
    private readonly logger: Logger,
  ) {}

  async load(now: number): Promise<void> {
    if (!this.store) return;
    for (const e of await this.store.load(now)) this.#entries.set(key(e.receiver, e.integration, e.groupKey), e);
  }

  get(receiver: string, integration: string, groupKey: string): NflogEntry | undefined {
    return this.#entries.get(key(receiver, integration, groupKey));
  }

  /** Remember a notification; a store failure is logged, never thrown (the message went out). */
  async record(entry: NflogEntry, retentionMs: number): Promise<void> {
    this.#entries.set(key(entry.receiver, entry.integration, entry.groupKey), entry);
    if (!this.store) return;
    try {
      await this.store.put(entry, entry.sentAt + retentionMs);
    } catch (e) {
      this.logger.warn('cannot persist the notification log; a restart may repeat this notification', { receiver: entry.receiver, integration: entry.integration, error: describeError(e), code: 'DW_ALERT_STATE' });
    }
  }
}

/** Whether a group must be notified, by Alertmanager's rules (dedup stage). */
export function needsUpdate(entry: NflogEntry | undefined, firing: ReadonlySet<string>, resolved: ReadonlySet<string>, sendResolved: boolean, repeatMs: number, now: number): boolean {
  if (!entry) return firing.size > 0;
  const prevFiring = new Set(entry.firing);
  for (const f of firing) if (!prevFiring.has(f)) return true;
  // Everything resolved: tell the receiver (even without send_resolved the
  // log must forget the firing set), unless it never heard of them.
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved) {
    const prevResolved = new Set(entry.resolved);
    for (const r of resolved) if (!prevResolved.has(r)) return true;
  }
  return entry.sentAt <= now - repeatMs;
}

interface NflogRow {
  receiver: string;
  integration: string;
  group_key: string;
  firing: string[];
  resolved: string[];
  sent_ms: string;
}

export class ClickHouseNflogStore implements NflogStore {
  constructor(private readonly store: Store) {}

  async load(now: number): Promise<NflogEntry[]> {
    const rows = await this.store.query<NflogRow>(
      `SELECT receiver, integration, group_key, firing, resolved, toString(toUnixTimestamp64Milli(sent_at)) AS sent_ms
       FROM alert_notification_log
       WHERE expires_at > {now:DateTime64(3, 'UTC')}
       ORDER BY receiver, integration, group_key, sent_at DESC
       LIMIT 1 BY receiver, integration, group_key`,
      { params: { now: chTime(now) } },
    );
    return rows.map((r) => ({ receiver: r.receiver, integration: r.integration, groupKey: r.group_key, firing: r.firing, resolved: r.resolved, sentAt: Number(r.sent_ms) }));
  }

  async put(e: NflogEntry, expiresAt: number): Promise<void> {
    await this.store.insert('alert_notification_log', [
      { receiver: e.receiver, integration: e.integration, group_key: e.groupKey, firing: e.firing, resolved: e.resolved, sent_at: chTime(e.sentAt), expires_at: chTime(expiresAt) },
    ]);
  }
}

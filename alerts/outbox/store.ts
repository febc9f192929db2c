// Durable storage of action webhooks. Every change is a new versioned row
// (ReplacingMergeTree), so a message is never updated in place and a crash
// between two writes leaves the older, still valid, state.
import type { Store } from '../../src/core/store/store.ts';
import { chTime } from '../clock.ts';

/** no_target: a rollback with no healthy version to return to, recorded and never sent. */
export type OutboxState = 'pending' | 'delivered' | 'failed' | 'expired' | 'dry_run' | 'no_target';

export interface OutboxMessage {
  /** The webhook-id: the receiver's idempotency key. */
  id: string;
  action: string;
  kind: 'retrain' | 'rollback';
  model: string;
  fingerprint: string;
  /** The exact body that is signed and sent. */
  payload: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
  lastStatus: number;
  lastError: string;
}

export interface OutboxStore {
  put(m: OutboxMessage): Promise<void>;
  /** Messages still pending, oldest first. */
  pending(): Promise<OutboxMessage[]>;
  get(id: string): Promise<OutboxMessage | null>;
  /** When the newest message of this action for this model was created (cooldowns); unsent no_target records do not count. */
  lastCreated(action: string, model: string): Promise<number | null>;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly messages = new Map<string, OutboxMessage>();
  async put(m: OutboxMessage): Promise<void> {
    this.messages.set(m.id, { ...m });
  }
  async pending(): Promise<OutboxMessage[]> {
    return [...this.messages.values()].filter((m) => m.state === 'pending').sort((a, b) => a.createdAt - b.createdAt);
  }
  async get(id: string): Promise<OutboxMessage | null> {
    return this.messages.get(id) ?? null;
  }
  async lastCreated(action: string, model: string): Promise<number | null> {
    const times = [...this.messages.values()].filter((m) => m.action === action && m.model === model && m.state !== 'no_target').map((m) => m.createdAt);
    return times.length > 0 ? Math.max(...times) : null;
  }
}

interface OutboxRow {
  id: string;
  action: string;
  kind: 'retrain' | 'rollback';
  model: string;
  fingerprint: string;
  payload: string;
  state_name: OutboxState;
  attempts: number;
  next_attempt_ms: string;
  created_ms: string;
  updated_ms: string;
  last_status: number;
  last_error: string;
}

const SELECT = `SELECT id, action, kind, model, fingerprint, payload, toString(state) AS state_name, attempts,
       toString(toUnixTimestamp64Milli(next_attempt_at)) AS next_attempt_ms, toString(toUnixTimestamp64Milli(created_at)) AS created_ms,
       toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms, last_status, last_error`;

function fromRow(r: OutboxRow): OutboxMessage {
  return {
    id: r.id,
    action: r.action,
    kind: r.kind,
    model: r.model,
    fingerprint: r.fingerprint,
    payload: r.payload,
    state: r.state_name,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_ms),
    createdAt: Number(r.created_ms),
    updatedAt: Number(r.updated_ms),
    lastStatus: Number(r.last_status),
    lastError: r.last_error,
  };
}

export class ClickHouseOutboxStore implements OutboxStore {
  #version = 0n;
  constructor(private readonly store: Store) {}

  async put(m: OutboxMessage): Promise<void> {
    const wall = BigInt(Date.now()) * 1000n;
    this.#version = wall > this.#version ? wall : this.#version + 1n;
    await this.store.insert('alert_outbox', [
      {
        id: m.id,
        action: m.action,
        kind: m.kind,
        model: m.model,
        fingerprint: m.fingerprint,
        payload: m.payload,
        state: m.state,
        attempts: m.attempts,
        next_attempt_at: chTime(m.nextAttemptAt),
        created_at: chTime(m.createdAt),
        updated_at: chTime(m.updatedAt),
        last_status: m.lastStatus,
        last_error: m.lastError.slice(0, 2000),
        version: this.#version.toString(),
      },
    ]);
  }

  async pending(): Promise<OutboxMessage[]> {
    const rows = await this.store.query<OutboxRow>(
      `${SELECT} FROM (SELECT * FROM alert_outbox ORDER BY id, version DESC LIMIT 1 BY id) WHERE state = 'pending' ORDER BY created_at, id`,
    );
    return rows.map(fromRow);
  }

  async get(id: string): Promise<OutboxMessage | null> {
    const rows = await this.store.query<OutboxRow>(`${SELECT} FROM alert_outbox WHERE id = {id:String} ORDER BY version DESC LIMIT 1`, { params: { id } });
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async lastCreated(action: string, model: string): Promise<number | null> {
    const rows = await this.store.query<{ n: string; last: string }>(
      `SELECT count() AS n, toString(toUnixTimestamp64Milli(max(created_at))) AS last FROM alert_outbox WHERE action = {action:String} AND model = {model:String} AND state != 'no_target'`,
      { params: { action, model } },
    );
    const r = rows[0];
    return r && Number(r.n) > 0 ? Number(r.last) : null;
  }
}

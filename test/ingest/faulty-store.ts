// A Store decorator with failure switches (the OpenTelemetry-fake habit):
// inserts fail while `failInserts` is on, optionally after reaching the
// engine (`failAfterInsert`: stored, but the caller hears an error), so
// retry, backpressure and dedup paths are tested on purpose. Everything else
// goes to the real store underneath.
import { DriftwatchError } from '../../src/core/errors.ts';
import type { Store } from '../../src/core/store/store.ts';

export interface FaultSwitches {
  failInserts: boolean;
  /** Insert for real, then throw (an answer lost on the way back). */
  failAfterInsert: boolean;
  insertDelayMs: number;
  insertCalls: number;
  failedInserts: number;
}

export function faultInjecting(inner: Store): { store: Store; switches: FaultSwitches } {
  const switches: FaultSwitches = { failInserts: false, failAfterInsert: false, insertDelayMs: 0, insertCalls: 0, failedInserts: 0 };
  const store: Store = {
    get kind() {
      return inner.kind;
    },
    get database() {
      return inner.database;
    },
    get location() {
      return inner.location;
    },
    get client() {
      return inner.client;
    },
    query: (sql, opts) => inner.query(sql, opts),
    queryLines: (sql, opts) => inner.queryLines(sql, opts),
    command: (sql, opts) => inner.command(sql, opts),
    insert: (table, rows, opts) => inner.insert(table, rows, opts),
    ping: () => inner.ping(),
    close: () => inner.close(),
    async insertRaw(table, format, body, opts) {
      switches.insertCalls++;
      if (switches.insertDelayMs > 0) await new Promise((r) => setTimeout(r, switches.insertDelayMs));
      if (switches.failInserts) {
        switches.failedInserts++;
        throw new DriftwatchError('DW_STORE_QUERY', 'ClickHouse: Connection refused (injected)', { retriable: true });
      }
      await inner.insertRaw(table, format, body, opts);
      if (switches.failAfterInsert) {
        switches.failedInserts++;
        throw new DriftwatchError('DW_STORE_QUERY', 'ClickHouse: socket hang up after insert (injected)', { retriable: true });
      }
    },
  };
  return { store, switches };
}

/** An in-memory Store for unit tests: keeps every insertRaw body; no SQL. */
export function memoryStore(): { store: Store; inserts: Array<{ table: string; body: string; token?: string }>; switches: FaultSwitches } {
  const inserts: Array<{ table: string; body: string; token?: string }> = [];
  const none = async (): Promise<never> => {
    throw new Error('memoryStore: not supported');
  };
  const base: Store = {
    kind: 'embedded',
    database: 'memory',
    location: 'memory',
    client: undefined as unknown as Store['client'],
    query: async () => [],
    queryLines: async () => [],
    command: async () => undefined,
    insert: none,
    ping: async () => true,
    close: async () => undefined,
    async insertRaw(table, _format, body, opts) {
      const text = body.toString();
      if (text.includes('"poison"')) throw new DriftwatchError('DW_STORE_QUERY', 'ClickHouse: Code: 27. DB::Exception: Cannot parse input (injected)');
      // Same token => ClickHouse drops the repeat; keep that behaviour.
      if (opts?.dedupToken && inserts.some((i) => i.token === opts.dedupToken && i.table === table)) return;
      inserts.push({ table, body: text, token: opts?.dedupToken });
    },
  };
  const { store, switches } = faultInjecting(base);
  return { store, inserts, switches };
}

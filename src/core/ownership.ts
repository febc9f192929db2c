// The contract of a role only one instance may play at a time (run the
// detector schedules and alerting, deliver the outbox, export store-derived
// metrics). Components below the roof (alerts/) see only this; the lease
// that implements it over ClickHouse lives in src/instances/.
import { DriftwatchError } from './errors.ts';

export interface Ownership {
  readonly role: string;
  /** Local view, no I/O: this instance holds the role and its lease has not run out on the local clock. */
  held(): boolean;
  /**
   * The check made right before the write or send that matters: the lease
   * is still ours on the local clock AND the store still names us with our
   * fencing token. Throws DW_NOT_OWNER otherwise (and the role is dropped).
   */
  fence(): Promise<void>;
  /** The fencing token of the current tenure (0 when not held). */
  token(): number;
}

/** One process, one store (embedded): every role is always ours. */
export function soleOwner(role: string): Ownership {
  return { role, held: () => true, fence: async () => undefined, token: () => 1 };
}

export function notOwner(role: string, why: string): DriftwatchError {
  return new DriftwatchError('DW_NOT_OWNER', `not the owner of the ${role} role: ${why}`, { details: { role } });
}

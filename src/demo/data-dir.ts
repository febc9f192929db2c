// The demo's data directory. Every run starts from an empty store: the
// walkthrough's history is made up anew each time, and what a previous run
// left (firing alerts, a rollback already sent and in its cooldown, scores of
// other windows) would make this run tell a different story. So the demo
// clears the directory first, but only one it recognises as its own: marked
// by an earlier run, or holding nothing but what a driftwatch daemon and the
// demo broker write there. `--keep-data` keeps it as it is.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriftwatchError } from '../core/errors.ts';

const MARKER = '.driftwatch-demo';
/** What a daemon (store, ingest spool, daemon file) and the demo broker create in a data directory. */
const OWN_ENTRIES = new Set([MARKER, 'clickhouse', 'ingest', 'kafka', 'daemon.json']);

/** Make `dir` an empty demo directory (or keep it); returns what was done, for the log. */
export function prepareDemoDir(dir: string, keep: boolean): 'created' | 'cleared' | 'kept' {
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  if (entries.length === 0) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, MARKER), 'driftwatch demo data: cleared at the start of every `driftwatch demo` run\n');
    return 'created';
  }
  if (keep) return 'kept';
  const foreign = entries.filter((e) => !OWN_ENTRIES.has(e));
  if (!entries.includes(MARKER) && foreign.length > 0) {
    throw new DriftwatchError(
      'DW_CONFIG_INVALID',
      `${dir} holds files the demo did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); the demo starts from an empty directory, so pass --data-dir <a new directory> (or --keep-data to use this one as it is)`,
    );
  }
  for (const e of entries) rmSync(join(dir, e), { recursive: true, force: true });
  writeFileSync(join(dir, MARKER), 'driftwatch demo data: cleared at the start of every `driftwatch demo` run\n');
  return 'cleared';
}

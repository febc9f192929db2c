// Schema migrations: numbered .sql files in sql/, applied in order, each
// recorded with its checksum in schema_migrations. Statements are written to
// be re-runnable (IF NOT EXISTS), so a crash halfway through a file is healed
// by the next run; an applied file that was edited afterwards is refused.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriftwatchError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from './store.ts';
import { clusterStatements, type ClusterOptions } from './cluster-ddl.ts';

export const SQL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../sql');

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** Split a file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(text: string): string[] {
  const body = text
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n');
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function loadMigrations(dir = SQL_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f));
  const seen = new Map<number, string>();
  return files
    .map((file) => {
      const version = Number(file.slice(0, 3));
      const prev = seen.get(version);
      if (prev) throw new DriftwatchError('DW_MIGRATION_FAILED', `two migrations share version ${version}: ${prev} and ${file}`);
      seen.set(version, file);
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version,
        name: file,
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
        statements: splitStatements(text),
      };
    })
    .sort((a, b) => a.version - b.version);
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

/** The statements run for one single-node statement: itself, or its ON CLUSTER form (cluster-ddl.ts). */
export function statementsFor(sql: string, store: Pick<Store, 'database'>, cluster?: ClusterOptions): string[] {
  return cluster ? clusterStatements(sql, cluster, store.database) : [sql];
}

export async function migrate(store: Store, logger: Logger, dir = SQL_DIR, cluster?: ClusterOptions): Promise<MigrateResult> {
  for (const sql of statementsFor(LEDGER, store, cluster)) await store.command(sql);
  const done = new Map(
    (await store.query<{ version: number; checksum: string; name: string }>('SELECT version, argMax(checksum, applied_at) AS checksum, argMax(name, applied_at) AS name FROM schema_migrations GROUP BY version')).map(
      (r) => [Number(r.version), r],
    ),
  );
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  for (const m of loadMigrations(dir)) {
    const prior = done.get(m.version);
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new DriftwatchError('DW_MIGRATION_CHANGED', `migration ${m.name} was edited after it was applied (recorded ${prior.checksum}, file ${m.checksum}); add a new migration instead`);
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    for (const [i, single] of m.statements.entries()) {
      try {
        for (const sql of statementsFor(single, store, cluster)) await store.command(sql);
      } catch (e) {
        throw new DriftwatchError('DW_MIGRATION_FAILED', `migration ${m.name} failed at statement ${i + 1}: ${(e as Error).message}`, { cause: e });
      }
    }
    await store.insert('schema_migrations', [{ version: m.version, name: m.name, checksum: m.checksum }]);
    logger.info('migration applied', { migration: m.name, statements: m.statements.length });
    result.applied.push(m.name);
  }
  return result;
}

/** Tables with raw data that expire after clickhouse.ttl_days. */
const TTL_TABLES = ['predictions', 'feature_values', 'labels', 'label_arrivals'] as const;

export async function applyRetention(store: Store, ttlDays: number, cluster?: ClusterOptions): Promise<void> {
  for (const table of TTL_TABLES) {
    // ttlDays is a validated integer from config, not user data.
    const ttl = ttlDays > 0 ? `MODIFY TTL toDateTime(ts) + toIntervalDay(${Math.trunc(ttlDays)})` : 'REMOVE TTL';
    try {
      for (const sql of statementsFor(`ALTER TABLE ${table} ${ttl}`, store, cluster)) await store.command(sql, { settings: { materialize_ttl_after_modify: 0 } });
    } catch (e) {
      // REMOVE TTL on a table without one is an error; nothing to remove then.
      if (ttlDays > 0 || !/TTL/i.test((e as Error).message)) throw e;
    }
  }
}

// The migrations on a ClickHouse cluster (`clickhouse.cluster`): every
// single-node statement of sql/ becomes its cluster form, ON CLUSTER.
//
// Raw event data is sharded and replicated: `<table>_local` is a
// Replicated*MergeTree on each shard, `<table>` a Distributed table over it
// with the sharding key below, so every query and insert keeps the table
// names it has on one node. Its rollups (materialized views) read and write
// the local tables, so they shard with their sources. Everything else
// (scores, runs, alert state, leases, baselines, the migration ledger) is
// small and read for coordination: one Replicated*MergeTree replicated to
// every node, not sharded.
//
// The sharding key is cityHash64(event_id) for events: it spreads load
// evenly whatever the mix of models, and keeps a prediction, its feature
// values and its label on one shard, so the quality detectors' join on
// event_id is shard-local; the same rows always go to the same shard, so a
// retried insert lands where its first attempt did and is deduplicated there.
// The detectors' scans (model, version, time window) run on every shard in
// parallel and are merged by the Distributed table.
import { DriftwatchError } from '../errors.ts';
import { sqlString as q } from './sql-literal.ts';

export interface ClusterOptions {
  /** The cluster's name in the servers' remote_servers. */
  name: string;
  /** Keeper path of a sharded table's replicas; `{shard}` becomes `all` for tables replicated to every node. */
  zookeeperPath: string;
  replicaName: string;
}

/** Sharded tables and their sharding keys. */
export const SHARDED_TABLES: Readonly<Record<string, string>> = {
  predictions: 'cityHash64(event_id)',
  feature_values: 'cityHash64(event_id)',
  labels: 'cityHash64(event_id)',
  label_arrivals: 'cityHash64(event_id)',
  // Partial aggregates per shard (an AggregatingMergeTree fed by the view on
  // predictions); readers merge them with min()/max() ... GROUP BY.
  version_lifetimes: 'cityHash64(model, model_version)',
};

export const LOCAL_SUFFIX = '_local';

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(sql: string, why: string): never {
  throw new DriftwatchError('DW_MIGRATION_FAILED', `cannot translate this statement for clickhouse.cluster (${why}): ${sql.slice(0, 120)}`);
}

/** Replicated settings: the non-replicated deduplication window becomes the replicated one. */
const replicatedSettings = (s: string): string => s.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');

function replicatedEngine(engine: string, args: string | undefined, path: string, replica: string): string {
  const own = args === undefined || args.trim() === '' ? '' : `, ${args.trim()}`;
  return `Replicated${engine}(${q(path)}, ${q(replica)}${own})`;
}

/** Every sharded table name in a SELECT replaced by its local table (views on the local tables). */
function toLocal(select: string): string {
  return select.replace(/\b(FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b/g, (m, kw: string, t: string) => (t in SHARDED_TABLES ? `${kw} ${t}${LOCAL_SUFFIX}` : m));
}

/** The cluster form of one single-node statement (one or more statements, in order). */
export function clusterStatements(sql: string, c: ClusterOptions, database: string): string[] {
  if (!ident.test(c.name)) fail(sql, 'the cluster name must be a plain identifier');
  const on = `ON CLUSTER ${c.name}`;
  const text = sql.trim();

  let m = /^CREATE TABLE IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*)\s*(\([\s\S]*\))\s*ENGINE\s*=\s*([A-Za-z]*MergeTree)(?:\(([^)]*)\))?([\s\S]*)$/.exec(text);
  if (m) {
    const [, table, columns, engine, args, rest] = m as unknown as [string, string, string, string, string | undefined, string];
    const key = SHARDED_TABLES[table];
    if (key === undefined) {
      const path = c.zookeeperPath.replace('{shard}', 'all');
      return [`CREATE TABLE IF NOT EXISTS ${table} ${on}\n${columns}\nENGINE = ${replicatedEngine(engine, args, path, c.replicaName)}${replicatedSettings(rest)}`];
    }
    const local = `${table}${LOCAL_SUFFIX}`;
    return [
      `CREATE TABLE IF NOT EXISTS ${local} ${on}\n${columns}\nENGINE = ${replicatedEngine(engine, args, c.zookeeperPath, c.replicaName)}${replicatedSettings(rest)}`,
      `CREATE TABLE IF NOT EXISTS ${table} ${on} AS ${local}\nENGINE = Distributed(${c.name}, ${database}, ${local}, ${key})`,
    ];
  }

  m = /^ALTER TABLE ([A-Za-z_][A-Za-z0-9_]*)\s+([\s\S]*)$/.exec(text);
  if (m) {
    const [, table, op] = m as unknown as [string, string, string];
    const body = replicatedSettings(op);
    if (!(table in SHARDED_TABLES)) return [`ALTER TABLE ${table} ${on} ${body}`];
    const local = `ALTER TABLE ${table}${LOCAL_SUFFIX} ${on} ${body}`;
    // A new column is a column of the Distributed table too; codecs,
    // projections, settings and TTLs are storage, kept by the local table.
    if (/^ADD COLUMN\b/i.test(op)) return [local, `ALTER TABLE ${table} ${on} ${op.replace(/\s+CODEC\([^)]*\)/gi, '')}`];
    if (/^(MODIFY COLUMN|DROP COLUMN|RENAME COLUMN)\b/i.test(op) && !/^MODIFY COLUMN\s+\S+\s+[^\s]+\s+CODEC\(/i.test(op)) {
      return [local, `ALTER TABLE ${table} ${on} ${op}`];
    }
    return [local];
  }

  m = /^CREATE MATERIALIZED VIEW IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*) TO ([A-Za-z_][A-Za-z0-9_]*) AS\s+([\s\S]*)$/.exec(text);
  if (m) {
    const [, view, target, select] = m as unknown as [string, string, string, string];
    if (!(target in SHARDED_TABLES)) fail(text, `a materialized view must write to a sharded table, not ${target}`);
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} ${on} TO ${target}${LOCAL_SUFFIX} AS\n${toLocal(select)}`];
  }

  m = /^CREATE VIEW IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*) AS\s+([\s\S]*)$/.exec(text);
  if (m) return [`CREATE VIEW IF NOT EXISTS ${m[1]} ${on} AS\n${m[2]}`];

  // Data statements (a backfill) run once, through the Distributed tables.
  if (/^INSERT INTO\b/i.test(text)) return [text];

  return fail(text, 'unknown statement form; teach src/core/store/cluster-ddl.ts');
}

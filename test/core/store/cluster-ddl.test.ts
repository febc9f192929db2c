// clickhouse.cluster: every single-node migration statement against its
// generated ON CLUSTER form, statement by statement. The engine (chDB)
// parses and formats both (formatQuerySingleLine), so the comparison is of
// the parsed statements, not of spacing: once ON CLUSTER, the Replicated
// engine's Keeper arguments and the _local suffix are taken out, the cluster
// form must be the single-node statement exactly. No cluster runs here (the
// docker-compose profile under deploy/clickhouse-cluster has one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterStatements, LOCAL_SUFFIX, SHARDED_TABLES, type ClusterOptions } from '../../../src/core/store/cluster-ddl.ts';
import { loadMigrations } from '../../../src/core/store/migrate.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { openTestStore } from '../../helpers/store.ts';

const C: ClusterOptions = { name: 'dw_cluster', zookeeperPath: '/clickhouse/tables/{shard}/{database}/{table}', replicaName: '{replica}' };
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore({ migrate: false }));
});
afterAll(async () => cleanup?.());

const format = async (sql: string): Promise<string> => (await store.query<{ f: string }>('SELECT formatQuerySingleLine({q:String}) AS f', { params: { q: sql } }))[0]!.f;

/** A formatted cluster statement, back in single-node terms. */
function single(formatted: string): string {
  return formatted
    .replace(` ON CLUSTER ${C.name}`, '')
    .replace(/ENGINE = Replicated(\w*MergeTree)\('[^']*', '[^']*'(?:, ([^)]*))?\)/, (_m, engine: string, args?: string) => (args ? `ENGINE = ${engine}(${args})` : `ENGINE = ${engine}`))
    .replace(/\breplicated_deduplication_window\b/g, 'non_replicated_deduplication_window')
    .replace(new RegExp(`\\b(${Object.keys(SHARDED_TABLES).join('|')})${LOCAL_SUFFIX}\\b`, 'g'), '$1');
}

const statements = loadMigrations().flatMap((m) => m.statements.map((sql, i) => ({ where: `${m.name}#${i + 1}`, sql })));

describe('cluster DDL from the single-node migrations', () => {
  it('covers every statement of every migration', () => {
    expect(statements.length).toBeGreaterThan(30);
    for (const s of statements) expect(() => clusterStatements(s.sql, C, 'driftwatch'), s.where).not.toThrow();
  });

  it.each(statements)('$where: parses, runs ON CLUSTER, and is the single-node statement once the cluster parts are taken out', async ({ sql }) => {
    const one = await format(sql);
    const gen = clusterStatements(sql, C, 'driftwatch');
    const formatted = await Promise.all(gen.map(format));
    const kind = /^(CREATE TABLE|ALTER TABLE|CREATE MATERIALIZED VIEW|CREATE VIEW|INSERT INTO)/.exec(one)![1];
    const table = /^(?:CREATE TABLE IF NOT EXISTS|ALTER TABLE|INSERT INTO) (\w+)/.exec(one)?.[1] ?? '';
    const sharded = table in SHARDED_TABLES;

    if (kind === 'INSERT INTO') {
      // A backfill runs once, through the Distributed tables.
      expect(formatted).toEqual([one]);
      return;
    }
    for (const f of formatted) expect(f).toContain(` ON CLUSTER ${C.name}`);

    if (kind === 'CREATE TABLE' && sharded) {
      expect(formatted).toHaveLength(2);
      const [local, dist] = formatted as [string, string];
      expect(local).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS ${table}${LOCAL_SUFFIX} ON CLUSTER`));
      expect(local).toContain(`ENGINE = Replicated`);
      expect(local).toContain(`'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`);
      expect(single(local)).toBe(one);
      // The Distributed table: the local table's columns, the documented sharding key over columns it has.
      expect(dist).toBe(await format(`CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${C.name} AS ${table}${LOCAL_SUFFIX} ENGINE = Distributed(${C.name}, driftwatch, ${table}${LOCAL_SUFFIX}, ${SHARDED_TABLES[table]})`));
      for (const col of /\(([^)]*)\)$/.exec(SHARDED_TABLES[table]!)![1]!.split(',').map((c) => c.trim())) expect(one).toMatch(new RegExp(`[(,] ?\`${col}\` `));
      return;
    }
    if (kind === 'CREATE TABLE') {
      expect(formatted).toHaveLength(1);
      expect(formatted[0]).toContain(`ENGINE = Replicated`);
      // Replicated to every node: one Keeper path for all shards.
      expect(formatted[0]).toContain(`'/clickhouse/tables/all/{database}/{table}', '{replica}'`);
      expect(single(formatted[0]!)).toBe(one);
      return;
    }
    if (kind === 'ALTER TABLE') {
      if (sharded) expect(formatted[0]).toMatch(new RegExp(`^ALTER TABLE ${table}${LOCAL_SUFFIX} `));
      // A new column reaches the Distributed table too; storage changes stay local.
      expect(formatted).toHaveLength(sharded && /^ALTER TABLE \w+ \(ADD COLUMN/.test(one) ? 2 : 1);
      for (const f of formatted) expect(single(f)).toBe(one);
      return;
    }
    if (kind === 'CREATE MATERIALIZED VIEW') {
      // A rollup shards with its source: it reads and writes the local tables only.
      expect(formatted).toHaveLength(1);
      for (const t of Object.keys(SHARDED_TABLES)) expect(formatted[0]).not.toMatch(new RegExp(`\\b(FROM|TO|JOIN) ${t}\\b(?!${LOCAL_SUFFIX})`));
      expect(formatted[0]).toMatch(new RegExp(`TO \\w+${LOCAL_SUFFIX}`));
      expect(single(formatted[0]!)).toBe(one);
      return;
    }
    expect(formatted).toHaveLength(1);
    expect(single(formatted[0]!)).toBe(one);
  });

  it('refuses statements it does not know and odd cluster names', () => {
    expect(() => clusterStatements('DROP TABLE predictions', C, 'driftwatch')).toThrow(/DW_MIGRATION_FAILED|unknown statement/);
    expect(() => clusterStatements('CREATE VIEW IF NOT EXISTS v AS SELECT 1', { ...C, name: 'a b' }, 'driftwatch')).toThrow(/plain identifier/);
  });

  it('is configured as clickhouse.cluster, which needs a server URL', () => {
    expect(parseConfig({ clickhouse: { url: 'http://ch:8123', cluster: { name: 'dw' } } }).clickhouse.cluster).toEqual({ name: 'dw', zookeeper_path: '/clickhouse/tables/{shard}/{database}/{table}', replica_name: '{replica}' });
    expect(() => parseConfig({ clickhouse: { cluster: { name: 'dw' } } })).toThrow(/clickhouse.cluster needs clickhouse.url/);
  });
});

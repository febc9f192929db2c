// The two-shard cluster profile (deploy/clickhouse-cluster), checked
// statically (no Docker engine here): every mounted file exists, each
// driftwatch service's config validates in cluster mode, the cluster it
// names is the one the servers define, every server of remote_servers is a
// service, and the macros give each node its shard and a cluster-wide unique
// replica name.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyEnvOverrides } from '../../src/config/env-overrides.ts';
import { parseConfig } from '../../src/config/load.ts';

const DIR = resolve(import.meta.dirname, '../../deploy/clickhouse-cluster');
interface Service {
  profiles?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}
const compose = parse(readFileSync(resolve(DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const clusterXml = readFileSync(resolve(DIR, 'config.d/cluster.xml'), 'utf8');
const composeValue = (v: string | number): string => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('deploy/clickhouse-cluster', () => {
  it('puts every service in the cluster profile and mounts only files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.profiles, name).toEqual(['cluster']);
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect(existsSync(resolve(DIR, src)), `${name}: ${src}`).toBe(true);
      }
    }
  });

  it('defines two shards of two replicas, each a service with its own shard and a unique replica macro', () => {
    const shards = [...clusterXml.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) => [...m[1]!.matchAll(/<host>([^<]+)<\/host>/g)].map((h) => h[1]!));
    expect(shards).toEqual([
      ['ch-s1r1', 'ch-s1r2'],
      ['ch-s2r1', 'ch-s2r2'],
    ]);
    const replicas = new Set<string>();
    shards.forEach((hosts, i) => {
      for (const host of hosts) {
        expect(services[host], host).toBeDefined();
        const macros = services[host]!.volumes!.find((v) => v.endsWith('/config.d/macros.xml:ro'))!;
        const xml = readFileSync(resolve(DIR, macros.split(':')[0]!), 'utf8');
        expect(/<shard>(\d+)<\/shard>/.exec(xml)?.[1], host).toBe(String(i + 1));
        replicas.add(/<replica>([^<]+)<\/replica>/.exec(xml)![1]!);
      }
    });
    expect(replicas.size).toBe(4);
    expect(clusterXml).toMatch(/<zookeeper>[\s\S]*<host>keeper<\/host>/);
    expect(services.keeper).toBeDefined();
  });

  it('runs driftwatch instances whose config validates in cluster mode, on the cluster the servers define', () => {
    const raw = parse(readFileSync(resolve(DIR, 'driftwatch.yaml'), 'utf8')) as Record<string, unknown>;
    const dws = Object.entries(services).filter(([n]) => n.startsWith('driftwatch-'));
    expect(dws.length).toBe(2);
    const names = new Set<string>();
    for (const [name, s] of dws) {
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, composeValue(v)]));
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const config = parseConfig(applyEnvOverrides(structuredClone(raw), env).config);
        expect(config.clickhouse.cluster?.name, name).toBeDefined();
        expect(clusterXml).toContain(`<${config.clickhouse.cluster!.name}>`);
        expect(services[new URL(config.clickhouse.url!).hostname], name).toBeDefined();
        names.add(config.instances.name!);
      } finally {
        process.env = saved;
      }
    }
    expect(names.size).toBe(2);
  });
});

// No Docker engine runs here, so the compose file is checked statically:
// every file it mounts exists, the driftwatch config and env validate
// against the schema, and ports and scrape targets agree with the config.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyEnvOverrides } from '../../src/config/env-overrides.ts';
import { parseConfig } from '../../src/config/load.ts';

const ROOT = resolve(import.meta.dirname, '../..');
interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
}
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const dw = compose.services.driftwatch!;

function hostPath(volume: string): string | null {
  const src = volume.split(':')[0] ?? '';
  return src.startsWith('./') ? resolve(ROOT, src) : null;
}

/** ${VAR:-default} as docker compose expands it, with no environment set. */
function composeValue(v: string | number): string {
  return String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

function driftwatchConfig() {
  const mount = (dw.volumes ?? []).find((v) => v.endsWith(':/etc/driftwatch/driftwatch.yaml:ro'));
  expect(mount, 'driftwatch config mount').toBeDefined();
  const raw = parse(readFileSync(hostPath(mount!)!, 'utf8')) as Record<string, unknown>;
  const env = Object.fromEntries(Object.entries(dw.environment ?? {}).map(([k, v]) => [k, composeValue(v)]));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return parseConfig(applyEnvOverrides(raw, env).config, 'deploy/driftwatch.yaml');
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  }
}

describe('docker-compose.yml', () => {
  it('has the services of the first look', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'driftwatch', 'grafana', 'kafka', 'prometheus']);
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:/);
    expect(dw.build).toBe('.');
    expect(existsSync(resolve(ROOT, 'Dockerfile'))).toBe(true);
  });

  it('mounts only files that exist', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const p = hostPath(v);
        if (p) expect(existsSync(p), `${name}: ${v}`).toBe(true);
      }
    }
  });

  it("driftwatch's config and environment validate against the schema", () => {
    const config = driftwatchConfig();
    expect(config.clickhouse.url).toBe('http://clickhouse:8123');
    expect(config.clickhouse.password?.reveal()).toBe('driftwatch');
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    expect(config.http.host).toBe('0.0.0.0');
  });

  it('ports, brokers and credentials agree across services', () => {
    const config = driftwatchConfig();
    expect(dw.ports).toContain(`${config.http.port}:${config.http.port}`);
    const kafkaEnv = compose.services.kafka!.environment!;
    expect(kafkaEnv.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://${config.kafka.brokers[0]}`);
    expect(kafkaEnv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    const chEnv = compose.services.clickhouse!.environment!;
    expect(chEnv.CLICKHOUSE_USER).toBe(config.clickhouse.username);
    expect(chEnv.CLICKHOUSE_DB).toBe(config.clickhouse.database);
    expect(composeValue(chEnv.CLICKHOUSE_PASSWORD!)).toBe(config.clickhouse.password?.reveal());
    const prom = parse(readFileSync(resolve(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prom.scrape_configs.find((j) => j.job_name === 'driftwatch');
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.static_configs[0]?.targets).toEqual([`driftwatch:${config.http.port}`]);
  });

  it('the Dockerfile copies every runtime folder and runs the CLI', () => {
    const df = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
    for (const dir of ['bin', 'src', 'detectors', 'alerts', 'sql']) expect(df).toMatch(new RegExp(`COPY ${dir} `));
    expect(df).toContain('bin/driftwatch.mjs');
  });
});

// The README's metric table is the daemon's registry: every driftwatch_*
// metric with its type, unit and labels, and nothing else. Units are in the
// names, a label name means one thing, the exposition passes promtool, and
// the PromQL of the README and of the Grafana dashboard parses and names only
// metrics and labels that exist.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { PROMTOOL_BIN } from '../helpers/prometheus.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = tempDir('dw-metrics-');
afterAll(() => dir.remove());

interface Row {
  name: string;
  type: string;
  unit: string;
  labels: string[];
}

function readmeTable(): Row[] {
  const block = /<!-- metrics-table:begin -->\n([\s\S]*?)<!-- metrics-table:end -->/.exec(README);
  expect(block, 'README has the metrics table').not.toBeNull();
  return block![1]!
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split('|').slice(1, -1).map((c) => c.trim());
      const ticks = (c: string) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      return { name: ticks(cells[0]!)[0]!, type: cells[1]!, unit: cells[2]!, labels: ticks(cells[3]!) };
    });
}

function registryRows(): Row[] {
  const app = createApp(parseConfig({ data_dir: dir.path, kafka: { enabled: false } }), { logger: silentLogger });
  return (app.registry.getMetricsAsArray() as unknown as Array<{ name: string; type?: string; labelNames?: string[]; constructor: { name: string } }>)
    .filter((m) => m.name.startsWith('driftwatch_'))
    .map((m) => ({ name: m.name, type: m.type ?? m.constructor.name.toLowerCase(), unit: '', labels: [...(m.labelNames ?? [])] }));
}

/** The unit a name ends with (before _total), as the README's unit column says it. */
const UNITS = ['seconds', 'bytes', 'rows', 'messages'];
const unitOf = (name: string): string => UNITS.find((u) => name.replace(/_total$/, '').endsWith(`_${u}`)) ?? '';

describe('metric inventory', () => {
  const table = readmeTable();
  const registry = registryRows();

  it('the README lists every metric of the registry with its type and labels, and no other', () => {
    expect(registry.length).toBeGreaterThan(30);
    const byName = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.name, { type: r.type, labels: [...r.labels].sort() }]));
    expect(byName(table)).toEqual(byName(registry));
    expect(new Set(table.map((r) => r.name)).size).toBe(table.length);
  });

  it('every unit is in the name and in the unit column; counters end in _total and only they do', () => {
    for (const r of table) {
      expect(r.unit, r.name).toBe(unitOf(r.name));
      expect(r.name.endsWith('_total'), r.name).toBe(r.type === 'counter');
    }
    // A gauge of a quantity with a unit must name it (the consumer lag was once unitless).
    expect(table.find((r) => r.name.startsWith('driftwatch_ingest_consumer_lag'))?.name).toBe('driftwatch_ingest_consumer_lag_messages');
  });

  it('one label name per idea', () => {
    const labels = new Set(table.flatMap((r) => r.labels));
    // Synonyms that must not come back next to the name chosen for their idea.
    for (const banned of ['cause', 'to', 'from', 'result', 'model_version', 'job', 'severity_name']) expect(labels.has(banned), banned).toBe(false);
    // `status` is a score's status only; runs and deliveries end with an `outcome`.
    expect(table.filter((r) => r.labels.includes('status')).map((r) => r.name)).toEqual(['driftwatch_drift_status']);
    expect(table.find((r) => r.name === 'driftwatch_detector_runs_total')?.labels).toEqual(['detector', 'outcome']);
  });

  it('the exposition is promtool-clean', async () => {
    const app = createApp(parseConfig({ data_dir: dir.path, kafka: { enabled: false } }), { logger: silentLogger });
    const check = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: await app.registry.metrics(), encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('the README and dashboard queries parse (promtool) and use only metrics and labels that exist', () => {
    const readmeQueries = [...README.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim() && !l.startsWith('#')));
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/driftwatch.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const dashQueries = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr.replace(/\$(\w+)/g, 'x')));
    const queries = [...readmeQueries, ...dashQueries];
    expect(readmeQueries.length).toBeGreaterThanOrEqual(3);
    const rules = join(dir.path, 'rules.yaml');
    writeFileSync(rules, `groups:\n  - name: queries\n    rules:\n${queries.map((q, i) => `      - record: q${i}\n        expr: ${JSON.stringify(q)}\n`).join('')}`);
    const check = spawnSync(PROMTOOL_BIN, ['check', 'rules', rules], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const known = new Map(table.map((r) => [r.name, new Set([...r.labels, 'le'])]));
    for (const q of queries) {
      for (const m of q.matchAll(/\b(driftwatch_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
        const name = m[1]!.replace(/_(bucket|sum|count)$/, (s) => (known.has(m[1]!) ? s : ''));
        expect(known.has(name), `${q}: ${name}`).toBe(true);
        for (const l of (m[3] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)/g)) expect(known.get(name)!.has(l[1]!), `${q}: label ${l[1]} of ${name}`).toBe(true);
      }
    }
  });
});

// Every YAML block of the README parses under the config schema: each one on
// its own, merged into a minimal config that supplies what a fragment
// refers to (receivers, an action, a rule label), and all of them together
// with nothing else, since they are written to compose (the route names the
// receivers of the Receivers block, the rules the action of the Actions
// block). `config check` accepts the composition and `config check` and
// `start` refuse it, with the path, once a matcher names a label no alert
// carries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { runCli } from '../helpers/cli.ts';
import { blocks, envRefs, mergeConfig, NOT_CONFIG, README, rewrite, yamlOf } from './readme.ts';

const dir = tempDir('dw-readme-yaml-');
afterAll(() => dir.remove());

// Secrets are ${ENV} references: give each a value (URLs where a URL is expected).
const ENV = Object.fromEntries(envRefs(README).map((name) => [name, `https://secret.example/${name.toLowerCase()}`]));
Object.assign(process.env, ENV);

// Secrets given as file paths in the README: point each at a real file.
const secretFiles = ['/run/secrets/driftwatch-token', '/run/secrets/driftwatch-read-token'];
const REWRITES = secretFiles.map((path) => {
  const local = join(dir.path, path.split('/').pop()!);
  writeFileSync(local, 'token-from-a-file\n');
  return [path, local] as const;
});
const fileRewrites = (text: string) => REWRITES.filter(([from]) => text.includes(from));

// YAML marked as not driftwatch.yaml (a Kubernetes securityContext) must
// still parse as YAML; the rest is config.
const notConfig = blocks('yaml').filter((b) => b.note === NOT_CONFIG);
const yaml = blocks('yaml').filter((b) => b.note !== NOT_CONFIG);
const docOf = (text: string) => yamlOf(rewrite(text, fileRewrites(text)));

/** What README fragments may refer to without defining it themselves. */
const MINIMAL = {
  kafka: { enabled: false },
  alerts: {
    rules: [{ name: 'minimal', match: { metric: 'psi' }, labels: { team: 'ml' } }],
    route: { receiver: 'ml-team' },
    receivers: [{ name: 'ml-team' }, { name: 'ml-oncall' }],
    actions: [{ name: 'rollback-fraud', type: 'rollback', url: 'https://deploy.example/hooks/rollback', secret: '${ROLLBACK_WEBHOOK_SECRET}' }],
  },
};

describe('README YAML blocks', () => {
  it('are all found (detectors, rules, routing, inhibition, receivers, actions, configuration)', () => {
    expect(yaml.map((b) => b.section)).toEqual([
      'Drift detectors',
      'Quality before labels',
      'Policies',
      'Rules',
      'Routing',
      'Inhibition',
      'Receivers',
      'Actions: retrain and rollback webhooks',
      'Tokens and scopes',
      'Configuration',
    ]);
    expect(notConfig.map((b) => b.section)).toEqual(['Running as a non-root user']);
    for (const b of notConfig) expect(() => yamlOf(b.text)).not.toThrow();
  });

  it.each(yaml.map((b) => [b.line, b.section, b] as const))('line %i (%s) parses under the schema, merged into a minimal config', (_line, _section, b) => {
    expect(() => parseConfig(mergeConfig(MINIMAL, docOf(b.text)), `README block at line ${b.line}`)).not.toThrow();
  });

  it('all together, and nothing else, make one valid config', () => {
    const merged = yaml.reduce((acc, b) => mergeConfig(acc, docOf(b.text)), { kafka: { enabled: false } } as Record<string, unknown>);
    const config = parseConfig(merged, 'the README blocks together');
    expect(config.alerts.rules.map((r) => r.name)).toEqual(['retrain-due', 'feature-drift', 'accuracy-drop', 'volume-drop', 'latency-spike', 'canary-drift']);
    expect(config.alerts.receivers.map((r) => r.name)).toEqual(['ml-team', 'ml-oncall']);
    expect(config.detectors.jobs.map((j) => j.name)).toEqual(['fraud-drift', 'canary-vs-champion']);
    // The Actions block repeats the canary rule of the Rules block: the two must not drift apart.
    const rulesBlock = yamlOf(yaml.find((b) => b.section === 'Rules')!.text) as { alerts: { rules: Array<{ name: string; actions?: string[] }> } };
    const actionsBlock = yamlOf(yaml.find((b) => b.section === 'Actions: retrain and rollback webhooks')!.text) as { alerts: { rules: Array<{ name: string }> } };
    const canary = rulesBlock.alerts.rules.find((r) => r.name === 'canary-drift');
    expect(actionsBlock.alerts.rules).toEqual([canary]);
    expect(canary?.actions).toEqual(['rollback-fraud']);
  });

  describe('config check and start', () => {
    const merged = yaml.map((b) => rewrite(b.text, fileRewrites(b.text)));
    // One file of every block: YAML mappings merge as the test above merges them.
    const file = (name: string, text: Record<string, unknown>) => {
      const path = join(dir.path, name);
      writeFileSync(path, JSON.stringify(text, null, 2));
      return path;
    };
    const all = merged.reduce((acc, t) => mergeConfig(acc, yamlOf(t)), { kafka: { enabled: false }, data_dir: join(dir.path, 'data') } as Record<string, unknown>);
    const env = { ...ENV, DRIFTWATCH_CONFIG: undefined };

    it('config check accepts the README config and prints it with secrets redacted', async () => {
      const r = await runCli(['config', 'check', '--config', file('readme.yaml', all)], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('"name": "canary-drift"');
      expect(r.stdout).not.toContain(ENV.ROLLBACK_WEBHOOK_SECRET);
      expect(r.stdout).toContain('[redacted]');
    });

    it('a route matcher, an inhibit label and a rule tag that no alert can carry: config check and start exit 2 naming each path', async () => {
      const broken = JSON.parse(
        JSON.stringify(all)
          .replace('team=\\"ml\\"', 'teem=\\"ml\\"')
          .replace('"equal":["model","version"]', '"equal":["model","cluster"]')
          .replace('"tags":{"deployment":"canary"}', '"tags":{"deploy":"canary"}'),
      ) as Record<string, unknown>;
      const path = file('broken.yaml', broken);
      for (const args of [['config', 'check'], ['start']]) {
        const r = await runCli([...args, '--config', path], { env });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain('DW_CONFIG_INVALID');
        expect(r.stderr).toContain('alerts.route.routes[1].matchers[0]: no alert carries label "teem"');
        expect(r.stderr).toContain('alerts.inhibit_rules[0].equal[1]: no alert carries label "cluster"');
        expect(r.stderr).toContain('alerts.rules[5].match.tags.deploy: no detector puts tag "deploy" on its scores');
      }
    });
  });
});

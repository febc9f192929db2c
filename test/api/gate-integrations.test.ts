// The ready-made integrations in deploy/ are what their controllers accept
// and do what they say against a live gate:
//   - deploy/argo: the AnalysisTemplate and the Rollout validate against the
//     Argo Rollouts CRD schemas (vendored subsets in gate-schemas/) and the
//     metric rules Argo's controller enforces; the template's URL, filled with
//     its args, asks the real GET /v1/gate, and its JSONPath and conditions
//     turn the answer into Argo's measurement phase;
//   - deploy/flagger: the Canary validates against Flagger's CRD schema; its
//     two webhooks, posted with Flagger's payload, get 200 exactly when
//     Flagger should promote (confirm-promotion) or roll back (rollback);
//   - deploy/ci: the GitHub Actions workflow validates against SchemaStore's
//     workflow schema, runs the gate script, and keeps inputs out of `run`.
// (The script itself runs against real data in test/cli/gate.test.ts.)
import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addGateRoutes, gateQuerySchema } from '../../src/api/gate-routes.ts';
import { GateService } from '../../src/api/gate-service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { generatePredictions } from '../detectors/operational/fixtures.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';
import { validate, type Schema } from './gate-schemas/validate.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const yamlOf = <T>(path: string) => parse(readFileSync(resolve(ROOT, path), 'utf8')) as T;
const schema = (name: string) => JSON.parse(readFileSync(resolve(import.meta.dirname, 'gate-schemas', name), 'utf8')) as Schema;
const QUERY_KEYS = Object.keys(gateQuerySchema.shape);

let store: Store;
let cleanup: () => Promise<void>;
let server: Awaited<ReturnType<typeof startTestServer>>;
const U = (salt: string) => `((cityHash64(number, '${salt}') % 1000000) / 1000000)`;

/** Half an hour of traffic ending now: a champion, a slower and more error-prone canary, and a clone. */
async function seed(version: string, salt: string, regressed: boolean): Promise<void> {
  await generatePredictions(store, {
    model: 'fraud',
    version,
    start: new Date(Date.now() - 30 * 60_000).toISOString(),
    n: 3_000,
    stepMs: 600,
    prediction: `toString(toUInt8(${U(`p${salt}`)} < 0.3))`,
    confidence: `0.6 + 0.4 * ${U(`c${salt}`)}`,
    latency: regressed ? `20 + 40 * ${U(`l${salt}`)}` : `10 + 20 * ${U(`l${salt}`)}`,
    error: `if(${U(`e${salt}`)} < ${regressed ? 0.08 : 0.01}, 'timeout', '')`,
  });
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await seed('v1', '', false);
  await seed('v2', '-canary', true);
  await seed('v1clone', '-clone', false);
  const config = parseConfig({ gates: { policies: [{ name: 'canary', min_samples: 300, checks: { latency_p95_ratio: { threshold: 1.5 }, error_rate_increase: { threshold: 0.05 }, confidence_shift: { threshold: 0.1 }, prediction_shift: { threshold: 0.2 } } }] } });
  const service = new GateService({ store: () => store, gates: config.gates, actions: [], outbox: () => null, logger: silentLogger });
  server = await startTestServer((router) => addGateRoutes(router, service));
});
afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

// ------------------------------------------------------------ Argo Rollouts

interface Arg {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Metric {
  name: string;
  interval?: string;
  count?: number;
  failureLimit?: number;
  consecutiveSuccessLimit?: number;
  inconclusiveLimit?: number;
  successCondition: string;
  failureCondition: string;
  provider: { web: { url: string; jsonPath: string; headers?: Array<{ key: string; value: string }> } };
}
interface AnalysisTemplate {
  metadata: { name: string };
  spec: { args: Arg[]; metrics: Metric[] };
}

/** The metric rules of Argo's ValidateMetric (utils/analysis/factory.go). */
function argoMetricProblems(m: Metric): string[] {
  const count = m.count ?? 0;
  const failureLimit = m.failureLimit ?? 0;
  const success = m.consecutiveSuccessLimit ?? 0;
  const inconclusive = m.inconclusiveLimit ?? 0;
  const out: string[] = [];
  if (success === 0 && failureLimit === -1) out.push('failureLimit and consecutiveSuccessLimit cannot both be disabled');
  if (count > 0 && success >= 0 && failureLimit >= 0 && count < failureLimit + success) out.push('count must be >= failureLimit + consecutiveSuccessLimit');
  if (count > 0 && count < inconclusive) out.push('count must be >= inconclusiveLimit');
  if (count > 1 && !m.interval) out.push('interval must be specified when count > 1');
  return out;
}

/** Argo's measurement from one answer: the JSONPath {$.a.b}, then `result == "x"` conditions. */
function measure(m: Metric, body: unknown): 'Successful' | 'Failed' | 'Inconclusive' {
  const path = /^\{\$((?:\.[A-Za-z_]+)*)\}$/.exec(m.provider.web.jsonPath)?.[1] ?? '';
  const result = path.split('.').filter(Boolean).reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], body);
  const holds = (cond: string) => {
    const want = /^result == "([a-z]+)"$/.exec(cond)?.[1];
    if (want === undefined) throw new Error(`condition the test cannot read: ${cond}`);
    return result === want;
  };
  if (holds(m.failureCondition)) return 'Failed';
  if (holds(m.successCondition)) return 'Successful';
  return 'Inconclusive';
}

describe('deploy/argo', () => {
  const template = yamlOf<AnalysisTemplate>('deploy/argo/analysis-template.yaml');
  const metric = template.spec.metrics[0] as Metric;

  it('the AnalysisTemplate validates against the CRD schema and the controller rules', () => {
    expect(validate(schema('argo-analysistemplate.json'), template)).toEqual([]);
    // The schema does bite: a metric without a provider, a header without a value.
    const broken = { ...template, spec: { ...template.spec, metrics: [{ name: 'x' }, { ...metric, provider: { web: { ...metric.provider.web, headers: [{ key: 'a' }] } } }] } };
    expect(validate(schema('argo-analysistemplate.json'), broken)).toEqual(['$.spec.metrics[0]: missing required provider', '$.spec.metrics[1].provider.web.headers[0]: missing required value']);
    expect(template.spec.metrics).toHaveLength(1);
    expect(argoMetricProblems(metric)).toEqual([]);
    expect(metric).toMatchObject({ interval: '1m', failureLimit: 0, consecutiveSuccessLimit: 1, successCondition: 'result == "pass"', failureCondition: 'result == "fail"' });
    // Inconclusive looks are waited through, up to the last measurement.
    expect(metric.inconclusiveLimit).toBe(metric.count);
  });

  it('every {{args.x}} it uses is declared; the URL asks /v1/gate with parameters it accepts', () => {
    const declared = new Set(template.spec.args.map((a) => a.name));
    const used = [...JSON.stringify(metric.provider).matchAll(/\{\{\s*args\.([\w-]+)\s*\}\}/g)].map((x) => x[1]);
    expect(used.length).toBeGreaterThan(4);
    for (const u of used) expect(declared).toContain(u);
    const url = new URL(metric.provider.web.url.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, n: string) => (n === 'driftwatch-url' ? 'http://x' : n)));
    expect(url.pathname).toBe('/v1/gate');
    for (const k of url.searchParams.keys()) expect(QUERY_KEYS).toContain(k);
    expect(metric.provider.web.headers).toEqual([{ key: 'Authorization', value: 'Bearer {{args.driftwatch-token}}' }]);
  });

  it('filled with its args, it fails the regressed canary and passes the clone against the live API', async () => {
    // Argo fills the args in as they are (no URL encoding).
    const ask = async (args: Record<string, string>) => {
      const url = metric.provider.web.url.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, n: string) => args[n] ?? '');
      const r = await fetch(url);
      expect(r.status).toBe(200);
      return measure(metric, await r.json());
    };
    const args = { 'driftwatch-url': server.base, model: 'fraud', baseline: 'v1', policy: 'canary' };
    expect(await ask({ ...args, candidate: 'v2' })).toBe('Failed');
    expect(await ask({ ...args, candidate: 'v1clone' })).toBe('Successful');
    expect(await ask({ ...args, candidate: 'v9' })).toBe('Inconclusive');
  });

  it('the Rollout validates and gives the template every argument that has no default', () => {
    const rollout = yamlOf<{ spec: { strategy: { canary: { steps: Array<{ analysis?: { templates: Array<{ templateName: string }>; args: Arg[] } }> } } } }>('deploy/argo/rollout.yaml');
    expect(validate(schema('argo-rollout.json'), rollout)).toEqual([]);
    const step = rollout.spec.strategy.canary.steps.find((s) => s.analysis)?.analysis;
    expect(step?.templates).toEqual([{ templateName: template.metadata.name }]);
    const given = new Set(step?.args.map((a) => a.name));
    for (const a of template.spec.args) if (a.value === undefined && a.valueFrom === undefined) expect(given).toContain(a.name);
    for (const g of given) expect(template.spec.args.map((a) => a.name)).toContain(g);
  });
});

// ------------------------------------------------------------ Flagger

interface Canary {
  metadata: { name: string; namespace: string };
  spec: { analysis: { webhooks: Array<{ name: string; type: string; url: string; metadata: Record<string, string> }> } };
}

describe('deploy/flagger', () => {
  const canary = yamlOf<Canary>('deploy/flagger/canary.yaml');
  const hook = (type: string) => {
    const h = canary.spec.analysis.webhooks.find((w) => w.type === type);
    if (!h) throw new Error(`no ${type} webhook`);
    return h;
  };

  it('the Canary validates against the CRD schema; its hooks name the gate with parameters it accepts', () => {
    expect(validate(schema('flagger-canary.json'), canary)).toEqual([]);
    const broken = { ...canary, spec: { ...canary.spec, analysis: { webhooks: [{ name: 'x', type: 'pre-promotion', url: 'http://x', timeout: '1h' }] } } };
    expect(validate(schema('flagger-canary.json'), broken)).toEqual([
      '$.spec.analysis: matches 0 of oneOf (exactly one expected)',
      expect.stringMatching(/webhooks\[0\]\.type: "pre-promotion" is not one of/),
      '$.spec.analysis.webhooks[0].timeout: "1h" does not match ^[0-9]+(m|s)',
    ]);
    expect(canary.spec.analysis.webhooks.map((w) => w.type)).toEqual(['confirm-promotion', 'rollback']);
    for (const w of canary.spec.analysis.webhooks) {
      expect(new URL(w.url).pathname).toBe('/v1/gate/flagger');
      for (const k of Object.keys(w.metadata)) expect([...QUERY_KEYS, 'token', 'expect']).toContain(k);
    }
    expect(new URL(hook('rollback').url).searchParams.get('expect')).toBe('fail');
  });

  it("posted with Flagger's payload, each hook says 200 exactly when Flagger should act", async () => {
    // Flagger's CanaryWebhookPayload: name, namespace, phase, checksum, metadata.
    const post = async (type: string, candidate: string) => {
      const h = hook(type);
      const u = new URL(h.url);
      const r = await fetch(`${server.base}${u.pathname}${u.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: canary.metadata.name, namespace: canary.metadata.namespace, phase: 'Progressing', checksum: '6d9c', metadata: { ...h.metadata, candidate, baseline: 'v1' } }),
      });
      return r.status;
    };
    // Regressed canary: never promoted, rolled back.
    expect(await post('confirm-promotion', 'v2')).toBe(412);
    expect(await post('rollback', 'v2')).toBe(200);
    // Clone: promoted, not rolled back.
    expect(await post('confirm-promotion', 'v1clone')).toBe(200);
    expect(await post('rollback', 'v1clone')).toBe(412);
  });
});

// ------------------------------------------------------------ CI

interface Workflow {
  jobs: Record<string, { 'timeout-minutes'?: number; env?: Record<string, string>; steps: Array<{ run?: string; uses?: string }>; needs?: string }>;
}

describe('deploy/ci', () => {
  const wf = yamlOf<Workflow>('deploy/ci/github-actions.yml');

  it("the GitHub Actions workflow validates against SchemaStore's schema", () => {
    expect(validate(schema('github-workflow.json'), wf)).toEqual([]);
    const broken = { ...wf, jobs: { gate: { steps: [{ name: 'nothing to do' }], 'runs-on': 'ubuntu-latest', timeout: 5 } } };
    expect(validate(schema('github-workflow.json'), broken)).toEqual(['$.jobs.gate.steps[0]: matches 0 of oneOf (exactly one expected)', '$.jobs.gate.timeout: not allowed']);
    expect(wf.jobs.promote?.needs).toBe('gate');
  });

  it('its gate job runs the script, which exists and is executable, with time for the policy to decide', () => {
    const gate = wf.jobs.gate!;
    const run = gate.steps.map((s) => s.run ?? '').find((r) => r.includes('driftwatch-gate.sh'));
    expect(run).toMatch(/^deploy\/ci\/driftwatch-gate\.sh "\$MODEL" "\$CANDIDATE" "\$BASELINE"/);
    accessSync(resolve(ROOT, 'deploy/ci/driftwatch-gate.sh'), constants.X_OK);
    expect(gate.env?.DRIFTWATCH).toMatch(/driftwatch/);
    expect((gate['timeout-minutes'] ?? 0) * 60).toBeGreaterThan(Number(gate.env?.GATE_TIMEOUT));
  });

  it('keeps workflow inputs out of run scripts (no ${{ }} in run: script injection)', () => {
    for (const job of Object.values(wf.jobs)) for (const s of job.steps) expect(s.run ?? '').not.toMatch(/\$\{\{/);
  });
});

// The `gates` section of driftwatch.yaml: named rollout-gate policies. A
// policy says which checks judge a candidate version, the threshold of each
// (the largest degradation still acceptable), how many samples a side needs,
// the error level alpha shared by all checks, and what an inconclusive
// verdict turns into once the rollout has run for max_duration.
import { z } from 'zod';
import { durationSchema } from '../../src/core/util/duration.ts';

const duration = durationSchema;

export const CHECK_NAMES = ['latency_p95_ratio', 'error_rate_increase', 'confidence_shift', 'prediction_shift', 'feature_drift', 'quality', 'shadow_agreement'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const check = (def: number, what: string, thresholdText: string, min = 0) =>
  z
    .strictObject({ threshold: z.number().min(min).default(def).describe(thresholdText) })
    .optional()
    .describe(what);

export const checksSchema = z
  .strictObject({
    latency_p95_ratio: check(1.2, 'p95 latency of the candidate over the baseline\'s.', 'Largest acceptable ratio.', 1),
    error_rate_increase: check(0.005, 'Error rate of the candidate minus the baseline\'s.', 'Largest acceptable increase (absolute).'),
    confidence_shift: check(0.02, 'Change of the mean confidence, either way.', 'Largest acceptable change (absolute).'),
    prediction_shift: check(0.05, 'Change of the prediction distribution: the share of each class (regressors: of each baseline decile bin).', 'Largest acceptable change of one share.'),
    feature_drift: check(
      0.05,
      'Change of the distribution of each critical feature: the share of each bin (baseline deciles for numbers, the commonest categories otherwise, and missing).',
      'Largest acceptable change of one share.',
    ),
    quality: z
      .strictObject({
        threshold: z.number().min(0).default(0.02).describe('Classifiers: largest acceptable accuracy drop (absolute).'),
        mae_ratio: z.number().min(1).default(1.1).describe('Regressors: largest acceptable MAE of the candidate over the baseline\'s.'),
      })
      .optional()
      .describe('Quality on labelled predictions, judged once each side has min_samples labels.'),
    shadow_agreement: check(0.05, 'Disagreement with the baseline on shared events (the same event_id), judged when there are min_samples of them.', 'Largest acceptable share of shared events predicted differently.'),
  })
  .prefault(Object.fromEntries(CHECK_NAMES.map((c) => [c, {}])))
  .describe('The checks this policy runs; a check left out is off. Default: all seven with the default thresholds.');

export const gatePolicySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits and _ . : -').describe('Policy name (the `policy` parameter of /v1/gate and `driftwatch gate --policy`).'),
  checks: checksSchema,
  alpha: z.number().gt(0).lt(0.5).default(0.05).describe('Chance, over the whole rollout however often the gate is asked, of a false fail (and of a false pass); split evenly across the checks.'),
  min_samples: z.number().int().min(1).default(500).describe('Values each side needs before a check decides (labels for quality, shared events for shadow agreement).'),
  tight_at: z.number().int().min(1).default(10_000).describe('Candidate samples at which the confidence sequences are tightest (the mixing parameter); any value keeps them valid.'),
  max_duration: duration('30m').describe('After this long since the candidate\'s first prediction, an inconclusive verdict becomes on_timeout.'),
  on_timeout: z.enum(['fail', 'pass']).default('fail').describe('What an inconclusive verdict becomes after max_duration.'),
  window: duration('24h').describe('How far back the gate looks for the candidate\'s first prediction (the start of the rollout).'),
  critical_features: z.array(z.string().min(1)).default([]).describe('Features whose drift the feature_drift check judges; none: the check is skipped.'),
  rollback_action: z.string().min(1).optional().describe('Name of an alerts.actions entry of type rollback, sent (signed, through the outbox) when the verdict is fail; at most once per model and candidate within its cooldown.'),
});

export type GatePolicy = z.output<typeof gatePolicySchema>;
export type GatePolicyInput = z.input<typeof gatePolicySchema>;

export const DEFAULT_POLICY_NAME = 'default';

export const gatesSchema = z
  .strictObject({
    default_policy: z.string().default(DEFAULT_POLICY_NAME).describe('Policy used when a request names none. "default" is built in unless a policy of that name is configured.'),
    policies: z.array(gatePolicySchema).default([]).describe('Rollout-gate policies.'),
  })
  .superRefine((g, ctx) => {
    const names = new Set<string>();
    g.policies.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: `duplicate policy name ${p.name}` });
      names.add(p.name);
    });
    if (g.default_policy !== DEFAULT_POLICY_NAME && !names.has(g.default_policy)) {
      ctx.addIssue({ code: 'custom', path: ['default_policy'], message: `unknown policy ${g.default_policy} (policies: ${[...names].join(', ') || 'none configured'})` });
    }
  })
  .prefault({});

export type GatesConfig = z.output<typeof gatesSchema>;

/** The built-in policy: every check with its default threshold. */
export function builtinPolicy(name = DEFAULT_POLICY_NAME): GatePolicy {
  return gatePolicySchema.parse({ name });
}

/** The policy a request names (or the default one); null when no such policy exists. */
export function findPolicy(gates: GatesConfig, name?: string): GatePolicy | null {
  const want = name ?? gates.default_policy;
  return gates.policies.find((p) => p.name === want) ?? (want === DEFAULT_POLICY_NAME ? builtinPolicy() : null);
}

export function enabledChecks(p: GatePolicy): CheckName[] {
  return CHECK_NAMES.filter((c) => p.checks[c] !== undefined);
}

/** Config problems across sections: a rollback_action must name an alerts.actions entry of type rollback. */
export function gateActionIssues(gates: GatesConfig, actions: ReadonlyArray<{ name: string; type: string }>): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  gates.policies.forEach((p, i) => {
    if (p.rollback_action === undefined) return;
    const a = actions.find((x) => x.name === p.rollback_action);
    const rollbacks = actions.filter((x) => x.type === 'rollback').map((x) => x.name);
    if (!a) out.push({ path: ['gates', 'policies', i, 'rollback_action'], message: `unknown action ${p.rollback_action} (rollback actions: ${rollbacks.join(', ') || 'none configured'})` });
    else if (a.type !== 'rollback') out.push({ path: ['gates', 'policies', i, 'rollback_action'], message: `action ${a.name} is of type ${a.type}, not rollback` });
  });
  return out;
}

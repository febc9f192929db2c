// Tags on every score: the rows of the drift detector (through its registry
// entry, as the scheduler runs it) and of the operational monitor carry the
// version's deployment tag, segment rows carry their segment's tag, and the
// README's canary rule (`match: { metric: psi, tags: { deployment: canary } }`)
// selects the drifted canary's drift rows and nothing of the champion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsSchema } from '../../../alerts/config.ts';
import { CompiledRule } from '../../../alerts/rules.ts';
import { detectorsSchema } from '../../../detectors/config.ts';
import { runJob } from '../../../detectors/registry.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { traffic } from '../../../src/demo/traffic.ts';
import { insertEvents } from '../../helpers/events.ts';
import { openTestStore } from '../../helpers/store.ts';

const H = 3_600_000;
let store: Store;
let cleanup: () => Promise<void>;
const end = Math.floor(Date.now() / H) * H - H;
const window = { start: new Date(end - H), end: new Date(end) };

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const span = { startMs: end - 2 * H, endMs: end };
  await insertEvents(store, traffic({ version: 'v11', drift: 0, seed: 1, count: 4000, idPrefix: 'champ', deployment: 'champion', ...span }));
  await insertEvents(store, traffic({ version: 'v12', drift: 1, seed: 2, count: 4000, idPrefix: 'canary', deployment: 'canary', ...span }));
});
afterAll(async () => cleanup());

async function run(job: Record<string, unknown>): Promise<ScoreRow[]> {
  const [parsed] = detectorsSchema.parse({ jobs: [job] }).jobs;
  return runJob(store, parsed!, { runId: `r-${String(job.name)}`, runAt: new Date(), window, signal: AbortSignal.timeout(60_000), minSamples: 200, logger: silentLogger });
}

describe('tags on every score', () => {
  let drift: ScoreRow[];

  it('drift rows carry the deployment tag of their version, segment rows their segment tag too', async () => {
    drift = await run({ name: 'canary-vs-champion', models: ['fraud'], baseline: { type: 'version', version: 'v11' }, segment_by: 'region' });
    const canary = drift.filter((r) => r.model_version === 'v12');
    expect(canary.length).toBeGreaterThan(20);
    expect(new Set(canary.map((r) => r.tags?.deployment))).toEqual(new Set(['canary']));
    const bySegment = new Map(canary.map((r) => [r.segment, r.tags]));
    expect(bySegment.get('')).toEqual({ deployment: 'canary' });
    expect(bySegment.get('region=eu')).toEqual({ deployment: 'canary', region: 'eu' });
    expect(bySegment.get('region=us')).toEqual({ deployment: 'canary', region: 'us' });
  });

  it('the same for a previous-baseline drift job (the champion tagged champion) and the operational monitor', async () => {
    const previous = await run({ name: 'fraud-drift', models: ['fraud'] });
    expect(new Set(previous.map((r) => `${r.model_version}:${r.tags?.deployment}`))).toEqual(new Set(['v11:champion', 'v12:canary']));
    const ops = await run({ kind: 'operational', name: 'fraud-ops', model: 'fraud' });
    const versioned = ops.filter((r) => r.model_version !== '');
    expect(versioned.length).toBeGreaterThan(0);
    expect(new Set(versioned.map((r) => `${r.model_version}:${r.tags?.deployment}`))).toEqual(new Set(['v11:champion', 'v12:canary']));
  });

  it("the README's canary rule selects the canary's drift rows and breaches on them; a segment-tag rule only segment rows", async () => {
    const { rules } = alertsSchema.parse({
      rules: [
        { name: 'canary-drift', match: { metric: 'psi', tags: { deployment: 'canary' } }, thresholds: { critical: 0.25 }, for: 2 },
        { name: 'eu-drift', match: { metric: 'psi', tags: { region: 'eu' } }, thresholds: { critical: 0.25 } },
      ],
    });
    const [canaryRule, euRule] = rules.map((r) => new CompiledRule(r));
    const selected = drift.filter((r) => canaryRule!.selects(r));
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.every((r) => r.model_version === 'v12' && r.metric === 'psi')).toBe(true);
    const breaching = selected.filter((r) => canaryRule!.judge(r).kind === 'breach');
    expect(breaching.map((r) => r.feature)).toContain('amount');
    expect(canaryRule!.labelsFor(breaching[0]!)).toMatchObject({ alertname: 'canary-drift', model: 'fraud', version: 'v12', detector: 'canary-vs-champion', deployment: 'canary' });
    const eu = drift.filter((r) => euRule!.selects(r));
    expect(eu.length).toBeGreaterThan(0);
    expect(eu.every((r) => r.segment === 'region=eu')).toBe(true);
  });
});

// CONTRIBUTING.md's worked example, run as written: the detector source is
// copied verbatim into a scratch folder of detectors/ (so its relative
// imports resolve as in the real place), its YAML job parses once its schema
// joins the union, and it scores a window of the real engine.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detector } from '../../src/core/detector.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { DETECTORS } from '../../detectors/registry.ts';
import { openTestStore } from '../helpers/store.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const scratch = join(ROOT, 'detectors', `contrib-probe-${process.pid}`);

let store: Store;
let cleanup: () => Promise<void>;
let example: { predictionRateDetector: Detector; predictionRateJobSchema: z.ZodObject };

beforeAll(async () => {
  const source = blocks('ts').find((b) => b.includes('defineDetector('));
  if (!source) throw new Error('CONTRIBUTING.md has no detector example');
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'definition.ts'), source);
  example = (await import(join(scratch, 'definition.ts'))) as typeof example;
  ({ store, cleanup } = await openTestStore());
});

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await cleanup?.();
});

describe("CONTRIBUTING.md's example detector", () => {
  it('registers with one line and its YAML job parses in the union', () => {
    const line = blocks('ts').find((b) => b.startsWith('export const DETECTORS'))!;
    expect(line).toContain('predictionRateDetector');
    const union = z.discriminatedUnion('kind', [...DETECTORS.map((d) => d.configSchema), example.predictionRateJobSchema] as never);
    const yaml = parseYaml(blocks('yaml')[0]!) as { detectors: { jobs: unknown[] } };
    const job = union.parse(yaml.detectors.jobs[0]) as { kind: string; min_rate: number; window: string; schedule: string };
    expect(job).toMatchObject({ kind: 'prediction_rate', min_rate: 2, window: '5m', schedule: '*/5 * * * *' });
  });

  it('scores a window of the real engine', async () => {
    const start = Date.UTC(2026, 10, 23, 10, 0, 0);
    const rows = Array.from({ length: 900 }, (_, i) => ({
      event_id: `e${i}`,
      ts: new Date(start + (i % 300) * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      model: 'fraud',
      model_version: i < 600 ? 'v1' : 'v2',
      features: '{}',
    }));
    await store.insert('predictions', rows);
    const job = example.predictionRateJobSchema.parse({ kind: 'prediction_rate', name: 'fraud-rate', window: '5m', min_rate: 1.5 });
    const scores = await example.predictionRateDetector.run(store, job as never, {
      runId: 'r1',
      runAt: new Date(start + 400_000),
      window: { start: new Date(start), end: new Date(start + 300_000) },
      signal: new AbortController().signal,
      minSamples: 500,
      logger: silentLogger,
    });
    expect(scores.map((s) => [s.model_version, s.value, s.status])).toEqual([
      ['v1', 2, 'ok'],
      ['v2', 1, 'alert'],
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { buildJobs } from '../../src/scheduler/build-jobs.ts';
import { soleOwner } from '../../src/core/ownership.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import type { Store } from '../../src/core/store/store.ts';
import { generate, normal, num } from '../detectors/drift/fixtures.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup?.());

describe('buildJobs', () => {
  it('one DetectorJob per detectors.jobs entry, with parsed durations', () => {
    const config = parseConfig({
      detectors: {
        min_samples: 100,
        jobs: [
          { name: 'hourly' },
          { name: 'daily', schedule: '0 * * * *', window: '1d', delay: '0s', timeout: '10m', baseline: { type: 'version', version: 'v1' }, models: ['fraud*'] },
        ],
      },
    });
    const jobs = buildJobs(config, () => store, silentLogger);
    expect(jobs.map((j) => [j.name, j.schedule, j.windowMs, j.delayMs, j.timeoutMs])).toEqual([
      ['hourly', '*/5 * * * *', 3_600_000, 60_000, 300_000],
      ['daily', '0 * * * *', 86_400_000, 0, 600_000],
    ]);
    expect(buildJobs(parseConfig({}), () => store, silentLogger)).toEqual([]);
  });

  it('rejects bad job config', () => {
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'a', baseline: { type: 'range', from: '2026-01-02', to: '2026-01-01' } }] } })).toThrow();
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'a', thresholds: { psi_warn: 0.5, psi_alert: 0.2 } }] } })).toThrow();
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'a' }, { name: 'a' }] } })).toThrow();
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'a', typo: 1 }] } })).toThrow();
  });

  it('the scheduler runs a drift job and writes its scores', async () => {
    const end = new Date('2026-03-02T01:00:00Z');
    const f = (shift: number) => [{ name: 'x', json: num(`${normal('x')} + ${shift}`) }];
    await generate(store, { model: 'm', version: 'v1', start: new Date(end.getTime() - 7_200_000), spanMs: 3_600_000, rows: 1000, features: f(0), seed: 1 });
    await generate(store, { model: 'm', version: 'v1', start: new Date(end.getTime() - 3_600_000), spanMs: 3_600_000, rows: 1000, features: f(1), seed: 2 });
    const config = parseConfig({ detectors: { jobs: [{ name: 'drift_hourly', delay: '0s' }] } });
    const scheduler = new Scheduler({ store: () => store, jobs: buildJobs(config, () => store, silentLogger), logger: silentLogger, registry: createRegistry({ defaultMetrics: false }), owner: soleOwner('scheduler'), maxCatchup: 1 });
    const [run] = await scheduler.runOnce({ windowEnd: end });
    expect(run).toMatchObject({ detector: 'drift_hourly', status: 'ok' });
    expect(run!.findings).toBeGreaterThan(0);
    const rows = await store.query<{ status: string }>(`SELECT status FROM drift_scores WHERE detector = 'drift_hourly' AND feature = 'x' AND metric = 'psi'`);
    expect(rows).toEqual([{ status: 'alert' }]);
  });
});

describe('monitor jobs', () => {
  it('turns detectors.monitors into jobs and rejects a name shared with a drift job', async () => {
    const config = parseConfig({
      detectors: {
        jobs: [{ name: 'drift' }],
        monitors: [
          { name: 'ops', kind: 'operational', window: '30m' },
          { name: 'labels', kind: 'quality', baseline: { type: 'version', version: 'v1' } },
        ],
      },
    });
    const jobs = buildJobs(config, () => {
      throw new Error('not used');
    }, silentLogger);
    expect(jobs.map((j) => [j.name, j.windowMs])).toEqual([
      ['drift', 3_600_000],
      ['ops', 1_800_000],
      ['labels', 3_600_000],
    ]);
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'x' }], monitors: [{ name: 'x', kind: 'quality' }] } })).toThrow(/detectors\.monitors: a monitor and a drift job share a name/);
  });
});

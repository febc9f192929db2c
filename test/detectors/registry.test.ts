// The registry is the one list of detector kinds: config parsing, the
// scheduler and the docs all follow it.
import { describe, expect, it } from 'vitest';
import { monitorContext } from '../../detectors/monitor-config.ts';
import { DETECTOR_KINDS, DETECTORS, detectorFor } from '../../detectors/registry.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';

const ctx = { runId: 'r', runAt: new Date(0), window: { start: new Date(0), end: new Date(3_600_000) }, signal: new AbortController().signal, minSamples: 500, logger: silentLogger };

describe('detector registry', () => {
  it('lists every kind once, each with a schema whose kind literal is its own', () => {
    expect(DETECTOR_KINDS).toEqual(['drift', 'operational', 'quality', 'shadow', 'estimated_quality', 'trend', 'staleness']);
    expect(new Set(DETECTOR_KINDS).size).toBe(DETECTORS.length);
    for (const d of DETECTORS) expect(d.configSchema.shape.kind.value).toBe(d.kind);
  });

  it('parses jobs of every kind from one list, drift by default', () => {
    const config = parseConfig({
      detectors: {
        jobs: [{ name: 'd' }, { name: 'ops', kind: 'operational', thresholds: { volume_drop: 0.3 } }, { name: 'q', kind: 'quality', label_horizon: '2d' }, { name: 's', kind: 'shadow' }],
      },
    });
    expect(config.detectors.jobs.map((j) => j.kind)).toEqual(['drift', 'operational', 'quality', 'shadow']);
  });

  it('refuses an unknown kind and a key another kind owns, with the path', () => {
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'x', kind: 'nope' }] } })).toThrow(/detectors\.jobs\[0\]\.kind/);
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'x', kind: 'operational', label_horizon: '1d' }] } })).toThrow(/label_horizon/);
  });

  it('makes monitor thresholds configurable, defaults where not given', () => {
    const config = parseConfig({ detectors: { monitors: [{ name: 'ops', kind: 'operational', thresholds: { volume_drop: 0.3, latency_ratio: 2 } }] } });
    const job = config.detectors.monitors[0]!;
    if (job.kind !== 'operational') throw new Error('expected operational');
    const mc = monitorContext(job, ctx);
    expect(mc.thresholds.volumeDrop).toBe(0.3);
    expect(mc.thresholds.latencyRatio).toBe(2);
    expect(mc.thresholds.volumeSpike).toBe(2);
    expect(mc.minCount).toBe(500);
  });

  it('throws for a kind nobody registered rather than running another detector', () => {
    expect(() => detectorFor('estimated_quality_typo')).toThrow(/no detector of kind/);
  });
});

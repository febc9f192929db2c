import { describe, expect, it } from 'vitest';
import type { Component } from '../../src/core/component.ts';
import { Daemon } from '../../src/lifecycle/daemon.ts';
import { silentLogger } from '../../src/core/log/logger.ts';

function fake(name: string, log: string[], opts: { stopMs?: number; ready?: boolean } = {}): Component {
  return {
    name,
    start: async () => void log.push(`start ${name}`),
    stop: async (deadline) => {
      log.push(`stop ${name}`);
      if (opts.stopMs) await new Promise((r) => setTimeout(r, opts.stopMs));
      expect(deadline).toBeInstanceOf(AbortSignal);
    },
    readiness: () => ({ ready: opts.ready ?? true, reason: name }),
  };
}

describe('Daemon', () => {
  it('starts in order, stops in reverse, and walks the states', async () => {
    const log: string[] = [];
    const d = new Daemon({ logger: silentLogger, shutdownTimeoutMs: 1000, exit: () => undefined });
    d.add(fake('a', log));
    d.add(fake('b', log));
    expect(d.getState()).toBe('starting');
    await d.start();
    expect(d.getState()).toBe('running');
    expect(d.readiness().ready).toBe(true);
    expect(await d.stop()).toBe(true);
    expect(d.getState()).toBe('stopped');
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(d.readiness().ready).toBe(false);
  });

  it('reports not ready with each component reason', async () => {
    const d = new Daemon({ logger: silentLogger, shutdownTimeoutMs: 1000, exit: () => undefined });
    d.add(fake('store', [], { ready: false }));
    await d.start();
    const r = d.readiness();
    expect(r.ready).toBe(false);
    expect(r.checks.store).toEqual({ ready: false, reason: 'store' });
    await d.stop();
  });

  it('gives up at the drain deadline and ends in failed', async () => {
    const log: string[] = [];
    const d = new Daemon({ logger: silentLogger, shutdownTimeoutMs: 100, exit: () => undefined });
    d.add(fake('a', log));
    d.add(fake('slow', log, { stopMs: 5_000 }));
    await d.start();
    const t0 = Date.now();
    expect(await d.stop()).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(d.getState()).toBe('failed');
    expect(log).toEqual(['start a', 'start slow', 'stop slow']);
  });

  it('stop is idempotent', async () => {
    const log: string[] = [];
    const d = new Daemon({ logger: silentLogger, shutdownTimeoutMs: 1000, exit: () => undefined });
    d.add(fake('a', log));
    await d.start();
    await Promise.all([d.stop(), d.stop()]);
    expect(log.filter((l) => l === 'stop a')).toHaveLength(1);
  });
});

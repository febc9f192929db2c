// The demo clears its own data directory before each run, and nothing else.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDemoDir } from '../../src/demo/data-dir.ts';
import { tempDir } from '../../testkit/tmp.ts';

describe('prepareDemoDir', () => {
  it('creates a missing directory and marks it as the demo\'s', () => {
    const t = tempDir();
    const dir = join(t.path, 'data', 'demo');
    expect(prepareDemoDir(dir, false)).toBe('created');
    expect(readdirSync(dir)).toEqual(['.driftwatch-demo']);
    t.remove();
  });

  it('clears what a demo run left, marked or from before the marker existed', () => {
    const t = tempDir();
    for (const marked of [true, false]) {
      const dir = join(t.path, `run-${marked}`);
      mkdirSync(join(dir, 'clickhouse', 'store'), { recursive: true });
      mkdirSync(join(dir, 'kafka'));
      writeFileSync(join(dir, 'clickhouse', 'store', 'part.bin'), 'x');
      if (marked) writeFileSync(join(dir, '.driftwatch-demo'), '');
      expect(prepareDemoDir(dir, false)).toBe('cleared');
      expect(readdirSync(dir)).toEqual(['.driftwatch-demo']);
    }
    t.remove();
  });

  it('keeps everything with --keep-data', () => {
    const t = tempDir();
    mkdirSync(join(t.path, 'clickhouse'));
    expect(prepareDemoDir(t.path, true)).toBe('kept');
    expect(existsSync(join(t.path, 'clickhouse'))).toBe(true);
    t.remove();
  });

  it('refuses a directory holding files the demo did not write, and deletes nothing', () => {
    const t = tempDir();
    mkdirSync(join(t.path, 'clickhouse'));
    writeFileSync(join(t.path, 'thesis.tex'), 'precious');
    expect(() => prepareDemoDir(t.path, false)).toThrow(/thesis\.tex.*--data-dir/);
    expect(readdirSync(t.path).sort()).toEqual(['clickhouse', 'thesis.tex']);
    t.remove();
  });
});

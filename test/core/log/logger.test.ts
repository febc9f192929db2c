// Log lines follow pino's shape so shippers parse them without
// configuration, with whole error chains and nothing secret.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DriftwatchError } from '../../../src/core/errors.ts';
import { createLogger } from '../../../src/core/log/logger.ts';

function capture(format: 'json' | 'pretty' = 'json', level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, format, sink: (l) => void lines.push(l) }) };
}

describe('logger', () => {
  it('writes pino fields: numeric level, epoch-ms time, pid, hostname, msg', () => {
    const { lines, logger } = capture();
    const before = Date.now();
    logger.child({ component: 'ingest' }).warn('insert failed, retrying', { attempt: 2 });
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, pid: process.pid, hostname: hostname(), name: 'driftwatch', msg: 'insert failed, retrying', component: 'ingest', attempt: 2 });
    expect(rec.time).toBeGreaterThanOrEqual(before);
    expect(typeof rec.time).toBe('number');
  });

  it('drops lines below the level', () => {
    const { lines, logger } = capture('json', 'warn');
    logger.info('quiet');
    logger.debug('quieter');
    logger.error('loud');
    expect(lines.map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([50]);
  });

  it('serializes errors under err with type, code, the full stack and the whole cause chain', () => {
    const { lines, logger } = capture();
    const root = new Error('connect ECONNREFUSED 127.0.0.1:8123');
    const mid = new TypeError('fetch failed', { cause: root });
    const top = new DriftwatchError('DW_STORE_UNREACHABLE', 'ClickHouse unreachable', { cause: mid, retriable: true });
    logger.error('start failed', { error: top });
    const rec = JSON.parse(lines[0]!) as { err: Record<string, unknown> & { cause: Record<string, unknown> & { cause: Record<string, unknown> } } };
    expect(rec.err).toMatchObject({ type: 'DriftwatchError', message: 'ClickHouse unreachable', code: 'DW_STORE_UNREACHABLE', retriable: true });
    expect(rec.err.cause).toMatchObject({ type: 'TypeError', message: 'fetch failed' });
    expect(rec.err.cause.cause).toMatchObject({ type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8123' });
    // Whole stacks, not the first few lines.
    expect((rec.err.stack as string).split('\n').length).toBe(top.stack!.split('\n').length);
  });

  it('survives a cause cycle', () => {
    const { lines, logger } = capture();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    logger.error('cyclic', { err: b });
    expect((JSON.parse(lines[0]!) as { err: { cause: { message: string; cause?: unknown } } }).err.cause.message).toBe('a');
  });

  it('redacts secret-looking fields', () => {
    const { lines, logger } = capture();
    logger.info('config', { password: 'hunter2', url: 'https://user:pw@ch.internal:8443' });
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain(':pw@');
  });

  it('pretty: time, level, message, fields, and the error chain below', () => {
    const { lines, logger } = capture('pretty');
    logger.warn('slow', { table: 'predictions', note: 'two words' }) ;
    logger.error('boom', { err: new Error('outer', { cause: new Error('inner') }) });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}slow table=predictions note="two words"$/);
    expect(lines[1]).toMatch(/ERROR boom\n {4}Error: outer\n[\s\S]*\n {4}Error: inner/);
  });
});

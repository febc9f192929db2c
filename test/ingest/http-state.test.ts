// The local state of HTTP ingest, unit by unit: the 64-bit key set, the
// event-identity journal (what a restart remembers, and how a batch cut
// short by a kill is checked against the store), the spool (durable
// entries, a corrupt one moved aside) and the Idempotency-Key answers.
import { readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { EventDedup, identityHash } from '../../src/ingest/dedup.ts';
import { badIdempotencyKey, IdempotencyStore } from '../../src/ingest/idempotency.ts';
import { hash64, keyAt, KeyTable } from '../../src/ingest/key-table.ts';
import { Spool } from '../../src/ingest/spool.ts';
import { rng } from '../../testkit/events.ts';
import { tempDir } from '../../testkit/tmp.ts';

const dirs: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});
function dir(): string {
  const d = tempDir('dw-http-state-');
  dirs.push(d);
  return d.path;
}

function keys(texts: string[]): Buffer {
  const out = Buffer.alloc(8 * texts.length);
  texts.forEach((t, i) => identityHash('predictions', t, out, 8 * i));
  return out;
}

/** A store that answers the journal's check with the given rows. */
function storeWith(rows: Array<{ a: string; b: string; t: number; c: string }>): Store {
  return { query: async () => rows } as unknown as Store;
}

describe('KeyTable', () => {
  it('is a set of 64-bit keys, through growth and with (0, 0)', () => {
    const t = new KeyTable();
    const random = rng(3);
    const added: Array<[number, number]> = [];
    for (let i = 0; i < 20_000; i++) {
      const k: [number, number] = [Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)];
      added.push(k);
      t.add(k[0], k[1]);
    }
    t.add(0, 0);
    expect(t.has(0, 0)).toBe(true);
    expect(added.every(([h, l]) => t.has(h, l))).toBe(true);
    expect(t.has(1, 2)).toBe(false);
    expect(t.count).toBe(new Set(added.map(([h, l]) => `${h}:${l}`)).size + 1);
  });

  it('hash64 tells near-identical identities apart', () => {
    const seen = new Set<string>();
    const out = Buffer.alloc(8);
    for (let i = 0; i < 200_000; i++) {
      hash64(`fraud\u0000v12\u0000${1_795_000_000_000 + i}\u0000evt-${i}`, out, 0);
      seen.add(out.toString('hex'));
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('EventDedup', () => {
  const opts = (d: string, store: Store = storeWith([])) => ({ dir: d, horizonMs: 3_600_000, maxKeys: 100_000, store: () => store, logger: silentLogger });

  it('remembers committed batches across a restart, not pending ones the store does not hold', async () => {
    const d = dir();
    const a = new EventDedup(opts(d));
    a.start();
    const stored = keys(['m\u0000v\u00001\u0000a', 'm\u0000v\u00002\u0000b']);
    const id = await a.begin({ table: 'predictions', models: ['m'], tmin: 1, tmax: 2 }, stored);
    await a.commit(id, stored);
    expect(a.has(stored, 0) && a.has(stored, 1)).toBe(true);
    const cut = keys(['m\u0000v\u00003\u0000c']);
    await a.begin({ table: 'predictions', models: ['m'], tmin: 3, tmax: 3 }, cut);
    await a.stop();

    const b = new EventDedup(opts(d));
    b.start();
    await b.ready();
    expect(b.has(stored, 0) && b.has(stored, 1)).toBe(true);
    expect(b.has(cut, 0)).toBe(false);
    await b.stop();
  });

  it('takes a pending batch the store holds as stored (killed between insert and commit)', async () => {
    const d = dir();
    const a = new EventDedup(opts(d));
    a.start();
    const batch = keys(['m\u0000v\u000010\u0000x', 'm\u0000v\u000011\u0000y']);
    await a.begin({ table: 'predictions', models: ['m'], tmin: 10, tmax: 11 }, batch);
    await a.stop();
    // The store holds x (the insert happened) but not y.
    const b = new EventDedup(opts(d, storeWith([{ a: 'm', b: 'v', t: 10, c: 'x' }])));
    b.start();
    await b.ready();
    expect(b.has(batch, 0)).toBe(true);
    expect(b.has(batch, 1)).toBe(false);
    await b.stop();
  });

  it('reads a journal cut short by a kill up to the damage', async () => {
    const d = dir();
    const a = new EventDedup(opts(d));
    a.start();
    const k = keys(['m\u0000v\u00001\u0000a']);
    await a.commit(await a.begin({ table: 'predictions', models: ['m'], tmin: 1, tmax: 1 }, k), k);
    await a.stop();
    const file = join(d, readdirSync(d)[0]!);
    appendFileSync(file, Buffer.from([0x50, 1, 0, 0]));
    const b = new EventDedup(opts(d));
    b.start();
    expect(b.has(k, 0)).toBe(true);
    await b.stop();
  });

  it('forgets the oldest identities beyond maxKeys, and counts them', async () => {
    const d = dir();
    let evicted = 0;
    const small = new EventDedup({ ...opts(d), maxKeys: 1000, onEvicted: (n) => (evicted += n) });
    small.start();
    for (let g = 0; g < 6; g++) {
      const k = keys(Array.from({ length: 300 }, (_, i) => `g${g}-${i}`));
      await small.commit(await small.begin({ table: 'predictions', models: ['m'], tmin: 0, tmax: 0 }, k), k);
    }
    expect(evicted).toBeGreaterThan(0);
    expect(small.has(keys(['g5-0']), 0)).toBe(true);
    expect(small.has(keys(['g0-0']), 0)).toBe(false);
    await small.stop();
  });
});

describe('Spool', () => {
  const rec = (rows: number) => ({ table: 'predictions' as const, rows, keys: Buffer.alloc(8 * rows, 7), body: Buffer.from('{"a":1}\n'.repeat(rows)), models: ['m'], tmin: 1, tmax: 2, created: Date.now() });

  it('writes entries durably, reads them back in order, and removes them', async () => {
    const d = dir();
    const s = new Spool(d, 1 << 20, silentLogger);
    const e1 = await s.write(rec(2));
    await s.write(rec(3));
    expect(s.bytes).toBeGreaterThan(0);
    const again = new Spool(d, 1 << 20, silentLogger).load();
    expect(again.map((e) => e.rows)).toEqual([2, 3]);
    expect(again[0]!.body.toString()).toBe('{"a":1}\n{"a":1}\n');
    await s.remove(e1);
    expect(new Spool(d, 1 << 20, silentLogger).load().map((e) => e.rows)).toEqual([3]);
  });

  it('refuses an entry beyond spool_max_bytes', async () => {
    const s = new Spool(dir(), 1024, silentLogger);
    await expect(s.write(rec(200))).rejects.toThrow(/spool_max_bytes/);
    expect(s.bytes).toBe(0);
  });

  it('moves a damaged entry aside and drops unfinished writes', async () => {
    const d = dir();
    const s = new Spool(d, 1 << 20, silentLogger);
    const e = await s.write(rec(2));
    const bytes = readdirSync(d);
    writeFileSync(e.file, Buffer.from('{"v":1,"table":"predictions","rows":2,"keys":16,"body":16,"sha256":"00","created":1}\n' + 'x'.repeat(32)));
    writeFileSync(join(d, 'half.tmp'), 'partial');
    expect(new Spool(d, 1 << 20, silentLogger).load()).toEqual([]);
    expect(readdirSync(d).sort()).toEqual([`${bytes[0]}.corrupt`]);
  });
});

describe('IdempotencyStore', () => {
  it('keeps answers across a restart within the horizon, and tracks keys in progress', async () => {
    const d = dir();
    const a = new IdempotencyStore({ dir: d, horizonMs: 60_000, maxKeys: 10, logger: silentLogger });
    a.start();
    expect(a.claim('/v1/predictions', 'k1')).toBe(true);
    expect(a.claim('/v1/predictions', 'k1')).toBe(false);
    await a.keep('/v1/predictions', 'k1', { hash: 'h', status: 200, body: { accepted: 1 }, at: Date.now() });
    a.release('/v1/predictions', 'k1');
    expect(a.claim('/v1/predictions', 'k1')).toBe(true);
    await a.keep('/v1/predictions', 'old', { hash: 'h', status: 200, body: {}, at: Date.now() - 120_000 });
    await a.stop();
    const b = new IdempotencyStore({ dir: d, horizonMs: 60_000, maxKeys: 10, logger: silentLogger });
    b.start();
    expect(b.answer('/v1/predictions', 'k1')).toMatchObject({ hash: 'h', status: 200, body: { accepted: 1 } });
    expect(b.answer('/v1/labels', 'k1')).toBeUndefined();
    expect(b.answer('/v1/predictions', 'old')).toBeUndefined();
  });

  it('validates keys', () => {
    expect(badIdempotencyKey('0f8fad5b-d9cb-469f-a165-70867728950e')).toBeNull();
    for (const k of ['', 'a b', 'é', 'x'.repeat(256)]) expect(badIdempotencyKey(k)).not.toBeNull();
  });
});

it('keyAt reads what identityHash wrote', () => {
  const out = Buffer.alloc(16);
  identityHash('labels', 'x', out, 8);
  const k = keyAt(out, 1);
  expect(k.hi >>> 0).toBe(out.readUInt32LE(8));
  expect(k.lo >>> 0).toBe(out.readUInt32LE(12));
});

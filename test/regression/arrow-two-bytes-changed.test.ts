// Issue 10: a valid Arrow stream with two bytes changed blocked the event
// loop and grew the heap until the process died, over HTTP and as a Kafka
// message (never committed, so it came back after every restart). The
// fixtures are such streams: a 1-row stream from testkit/arrow-events.ts
// with two bytes set to ff 7f or ff ff; each of them kept apache-arrow's
// tableFromIPC busy for more than 3 s (most until out of memory) before the
// IPC checks. Now each is refused at once with reason invalid_arrow.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../src/ingest/decode.ts';
import { isRejection } from '../../src/ingest/reasons.ts';

const DIR = join(import.meta.dirname, 'fixtures');
const crashing = readdirSync(DIR).filter((n) => n.startsWith('arrow-2bytes-at-'));

describe('Arrow streams with two bytes changed', () => {
  it('the unchanged stream decodes', () => {
    const r = decodePayload(readFileSync(join(DIR, 'arrow-valid-1-row.arrows')), 'application/vnd.apache.arrow.stream', 'predictions');
    expect(isRejection(r) ? r : r.count).toBe(1);
  });

  it.each(crashing)('%s is refused as invalid_arrow within a second', (name) => {
    const bytes = readFileSync(join(DIR, name));
    const t0 = performance.now();
    const heap0 = process.memoryUsage().heapUsed;
    // Both ways the bytes arrive: with a content-type, and sniffed (Kafka without headers).
    for (const ct of ['application/vnd.apache.arrow.stream', undefined]) {
      const r = decodePayload(bytes, ct, 'predictions');
      expect(r).toMatchObject({ reason: 'invalid_arrow' });
    }
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(64 * 1024 * 1024);
  });
});

// A consumer that cannot work is recreated with exponential backoff, not
// every second: the delays double (with jitter: half to all of each
// ceiling) up to kafka.restart_backoff_max, and /readyz (the component's
// readiness) says how often it failed, when it tries next, and why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../testkit/ports.ts';
import { openTestStore } from '../../helpers/store.ts';
import { eventually } from '../ingest/daemon.ts';
import { startIngest, type Harness } from '../ingest/harness.ts';

describe('consumer restarts', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened?.cleanup();
  });

  it('back off exponentially up to the cap while the brokers are unreachable', { timeout: 120_000 }, async () => {
    // Nothing listens there: every attempt fails fast (connection refused).
    const brokers = [`127.0.0.1:${await freePort()}`];
    harness = await startIngest({
      store: opened.store,
      brokers,
      topics: { predictions: 'p', labels: 'l', dead_letter: 'd' },
      kafka: { connect_retry_max: '100ms', restart_backoff_initial: '400ms', restart_backoff_max: '2s' },
    });
    const h = harness;
    const delays = (): number[] =>
      h.logs.filter((l) => l.includes('"msg":"Kafka consumer failed, recreating it"')).map((l) => (JSON.parse(l) as { retry_in_ms: number }).retry_in_ms);
    await eventually('six failed attempts', async () => delays().length >= 6 || `${delays().length}`, 90_000, 100);
    const d = delays().slice(0, 6);
    const ceilings = [400, 800, 1600, 2000, 2000, 2000];
    d.forEach((ms, i) => {
      expect(ms, `delay ${i + 1} of ${JSON.stringify(d)}`).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(ms, `delay ${i + 1} of ${JSON.stringify(d)}`).toBeLessThanOrEqual(ceilings[i]!);
    });
    await eventually(
      'readiness says why and when',
      async () => {
        const r = h.ingest.consumer!.readiness();
        return (!r.ready && r.reason.startsWith(`consumer on ${brokers[0]} failed `) && /failed \d+ time\(s\) in a row, next attempt in \d+\.\ds; last error: .+/.test(r.reason)) || r.reason;
      },
      10_000,
      50,
    );
  });
});

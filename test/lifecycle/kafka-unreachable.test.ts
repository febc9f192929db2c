// Kafka unreachable at start: the daemon stays up, says so in the log and in
// /readyz, keeps retrying without a crash loop, and still stops cleanly.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/ports.ts';
import { spawnCli, waitForHttp } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('Kafka unreachable', () => {
  it('keeps the daemon up with /readyz 503 naming the brokers, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const deadBroker = await freePort();
    const cfg = join(dir.path, 'dw.yaml');
    writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nhttp:\n  port: ${port}\nkafka:\n  brokers: [127.0.0.1:${deadBroker}]\n  connect_retry_max: 1s\n`);
    const d = spawnCli(['start', '--config', cfg]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, { status: 200 });
      const deadline = Date.now() + 20_000;
      type Ready = { ready: boolean; checks: Record<string, { ready: boolean; reason: string }> };
      let body: Ready | null = null;
      while (Date.now() < deadline) {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        body = (await r.json()) as Ready;
        if (r.status === 503 && body?.checks.store?.ready) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(body?.ready).toBe(false);
      expect(body?.checks.store?.ready).toBe(true);
      const kafka = Object.entries(body?.checks ?? {}).find(([, c]) => c.reason.includes(`127.0.0.1:${deadBroker}`));
      expect(kafka, JSON.stringify(body)).toBeDefined();
      expect(kafka?.[1].ready).toBe(false);
      // Still alive after several retry rounds: no crash loop.
      await new Promise((res) => setTimeout(res, 3_000));
      expect(d.child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(d.output()).toMatch(/Connection error|ECONNREFUSED|unreachable|KafkaJS/i);
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
    } finally {
      d.child.kill('SIGKILL');
    }
  });
});

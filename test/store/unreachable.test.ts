// ClickHouse unreachable: a clear error naming the URL with the password
// hidden, capped retries, and a daemon that stays up with /readyz false.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log/logger.ts';
import { openStore } from '../../src/store/open.ts';
import { spawnCli, waitForHttp } from '../helpers/cli.ts';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

describe('unreachable ClickHouse server', () => {
  it('openStore retries with backoff and fails naming the URL, password redacted', async () => {
    const port = await freePort();
    process.env.DW_TEST_CH_PW = 'pw-should-not-leak';
    const lines: string[] = [];
    try {
      const config = parseConfig({ clickhouse: { url: `http://admin:x@127.0.0.1:${port}`, password: '${DW_TEST_CH_PW}', connect_retry_max: '200ms' } });
      const err = await openStore(config, { logger: createLogger({ sink: (l) => lines.push(l) }), attempts: 3 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DW_STORE_UNREACHABLE' });
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).not.toContain('admin:x@');
      expect(lines.filter((l) => l.includes('ClickHouse unreachable, retrying'))).toHaveLength(2);
      expect(lines.join('\n')).not.toMatch(/pw-should-not-leak|admin:x@/);
    } finally {
      delete process.env.DW_TEST_CH_PW;
    }
  });

  it('the daemon stays alive, /healthz ok, /readyz 503 naming the URL, and exits 0 on SIGTERM', async () => {
    const chPort = await freePort();
    const port = await freePort();
    const cfg = join(dir.path, 'dw.yaml');
    writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nhttp:\n  port: ${port}\nclickhouse:\n  url: http://127.0.0.1:${chPort}\n  connect_retry_max: 500ms\nkafka:\n  enabled: false\n`);
    const d = spawnCli(['start', '--config', cfg]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, { status: 200 });
      await new Promise((r) => setTimeout(r, 1500));
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as { checks: { store: { ready: boolean; reason: string } } };
      expect(body.checks.store.ready).toBe(false);
      expect(body.checks.store.reason).toContain(`127.0.0.1:${chPort}`);
      expect(d.output()).toContain('DW_STORE_UNREACHABLE');
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
    } finally {
      d.child.kill('SIGKILL');
    }
  });
});

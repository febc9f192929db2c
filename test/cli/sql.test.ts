// `driftwatch sql` opens the embedded store itself when no daemon runs, and
// goes through the daemon's API when one holds the store.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/ports.ts';
import { runCli, spawnCli, waitForHttp } from '../helpers/cli.ts';
import { tempDir } from '../../testkit/tmp.ts';

let dir: ReturnType<typeof tempDir>;
let cfg: string;
let port: number;
beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  cfg = join(dir.path, 'dw.yaml');
  writeFileSync(cfg, `data_dir: ${join(dir.path, 'data')}\nhttp:\n  port: ${port}\nkafka:\n  enabled: false\n`);
});
afterAll(() => dir.remove());

const Q = "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('labels', 'predictions') ORDER BY name";

describe('driftwatch sql', () => {
  it('without a daemon: opens the store itself, in table, json and csv', async () => {
    expect((await runCli(['migrate', '--config', cfg])).code).toBe(0);
    const table = await runCli(['sql', Q, '--config', cfg]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('name\n-----------\nlabels\npredictions\n');
    const json = await runCli(['sql', Q, '--format', 'json', '--config', cfg]);
    expect(JSON.parse(json.stdout)).toEqual([{ name: 'labels' }, { name: 'predictions' }]);
    const csv = await runCli(['sql', Q, '--format', 'csv', '--config', cfg]);
    expect(csv.stdout).toBe('name\nlabels\npredictions\n');
  });

  it('with a daemon holding the store: goes through its API; errors exit 2', async () => {
    const d = spawnCli(['start', '--config', cfg]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, { status: 200 });
      const r = await runCli(['sql', Q, '--format', 'json', '--config', cfg]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ name: 'labels' }, { name: 'predictions' }]);
      const refused = await runCli(['sql', 'DROP TABLE predictions', '--config', cfg]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/DW_DAEMON_API: daemon answered 400: DROP statements are not allowed/);
      const api = await fetch(`http://127.0.0.1:${port}/v1/sql`, { method: 'POST', body: JSON.stringify({ query: 'SELECT 1 AS one', limit: 0 }) });
      expect(api.status).toBe(400);
      expect(((await api.json()) as { details: string[] }).details[0]).toMatch(/^limit: /);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});

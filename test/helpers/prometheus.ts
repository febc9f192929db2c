// A real Prometheus (Debian's package) on a loopback port, scraping targets
// given by the test. Installed by .ci/run; tests fail loudly when missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export interface RunningPrometheus {
  url: string;
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  waitForScrape(job: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: { job: string; target: string; metricsPath?: string }[]): Promise<RunningPrometheus> {
  const dir = tempDir('dw-prom-');
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    ...targets.flatMap((t) => [`  - job_name: ${t.job}`, `    metrics_path: ${t.metricsPath ?? '/metrics'}`, '    static_configs:', `      - targets: ['${t.target}']`]),
  ].join('\n');
  writeFileSync(join(dir.path, 'prometheus.yml'), config + '\n');
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const query = async (q: string) => {
    const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
    return body.data.result;
  };
  return {
    url,
    query,
    async waitForScrape(job, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const up = await query(`up{job="${job}"}`);
        if (up.some((s) => s.value[1] === '1')) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`no successful scrape of ${job}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      dir.remove();
    },
  };
}

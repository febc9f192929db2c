// stop() with a client that never lets its keep-alive connection go idle for
// long (what the dashboard's polling does): close() alone waits for that
// connection for ever; stop() closes it between two answers.
import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/http.ts';

describe('HttpServer.stop', () => {
  it('ends while a keep-alive client keeps sending, well before the grace period', async () => {
    const api = await startTestServer((r) => {
      r.add('GET', '/v1/slow', async () => {
        await new Promise((res) => setTimeout(res, 30));
        return { status: 200, body: { ok: true } };
      });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        const req = request(`${api.base}/v1/slow`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        });
        req.on('error', reject);
        req.end();
      });
    let answers = 0;
    const connections: Array<string | undefined> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          connections.push(await get());
          answers++;
        } catch {
          return; // refused: the server is gone
        }
      }
    })();
    while (answers < 5) await new Promise((res) => setTimeout(res, 10));
    const t0 = Date.now();
    await api.stop();
    const took = Date.now() - t0;
    polling = false;
    await poller;
    agent.destroy();
    // The grace period is 10 s; ending at it would mean the busy connection
    // was cut, not closed between answers.
    expect(took).toBeLessThan(8_000);
    expect(connections.slice(0, 3)).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
  }, 30_000);
});

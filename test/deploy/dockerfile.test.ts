// No Docker engine runs here, so the Dockerfile is read: the process runs as
// a non-root user given by number (Kubernetes' runAsNonRoot can only check a
// numeric uid), and only the data volume is handed to that user.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const lines = readFileSync(resolve(import.meta.dirname, '../../Dockerfile'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('runs as a numeric non-root user from the USER line on', () => {
    const users = lines.filter((l) => /^USER\s/i.test(l));
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!.split(/\s+/)[1]!;
    const [uid, gid] = last.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    const userAt = lines.lastIndexOf(users.at(-1)!);
    const entry = lines.findIndex((l) => /^ENTRYPOINT\s/i.test(l));
    expect(entry).toBeGreaterThan(userAt);
    // Nothing after USER switches back to root.
    expect(lines.slice(userAt + 1).some((l) => /^USER\s+(root|0)\b/i.test(l))).toBe(false);
  });

  it('hands only /data to that user, not the application files', () => {
    const chowns = lines.filter((l) => /chown/.test(l));
    for (const c of chowns) expect(c).toMatch(/chown (-R )?1000:1000 \/data\b/);
    expect(lines.some((l) => /chown\b.*\/app\b/.test(l))).toBe(false);
  });
});

// <data_dir>/daemon.json tells CLI commands that a daemon holds the embedded
// store and where its HTTP API listens, so they go through the API instead of
// failing on the engine's directory lock.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';

export interface DaemonInfo {
  pid: number;
  port: number;
  started_at: string;
}

export function daemonFilePath(dataDir: string): string {
  return join(dataDir, 'daemon.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running daemon that holds this data directory, if any. */
export function findRunningDaemon(dataDir: string): DaemonInfo | null {
  try {
    const info = JSON.parse(readFileSync(daemonFilePath(dataDir), 'utf8')) as DaemonInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

export class DaemonFile implements Component {
  readonly name = 'daemon-file';
  constructor(
    private readonly dataDir: string,
    private readonly port: () => number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    const info: DaemonInfo = { pid: process.pid, port: this.port(), started_at: new Date().toISOString() };
    writeFileSync(daemonFilePath(this.dataDir), JSON.stringify(info) + '\n');
    this.logger.debug('daemon file written', { path: daemonFilePath(this.dataDir) });
  }

  async stop(): Promise<void> {
    rmSync(daemonFilePath(this.dataDir), { force: true });
  }
}

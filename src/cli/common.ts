// What every CLI command shares: the --config option, config loading with
// exit code 2 on problems, the logger, and the exit codes.
import type { Command } from 'commander';
import type { Config } from '../config/schema.ts';
import { loadConfig } from '../config/load.ts';
import { DriftwatchError, describeError, isDriftwatchError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log/logger.ts';

export const EXIT = { OK: 0, FINDING: 1, ERROR: 2 } as const;

export interface GlobalOptions {
  config?: string;
}

export function addConfigOption(cmd: Command): Command {
  return cmd.option('-c, --config <path>', 'config file (default ./driftwatch.yaml; none means all defaults)');
}

export function loadCliConfig(opts: GlobalOptions, overrides?: Record<string, unknown>): Config {
  return loadConfig({ path: opts.config, overrides }).config;
}

export function cliLogger(config: Pick<Config, 'log'>): Logger {
  return createLogger({ level: config.log.level, format: config.log.format });
}

/** Print an error the way every command does and return exit code 2. */
export function reportError(e: unknown): number {
  if (isDriftwatchError(e)) {
    process.stderr.write(`driftwatch: ${e.code}: ${e.message}\n`);
  } else {
    process.stderr.write(`driftwatch: ${describeError(e)}\n`);
  }
  return EXIT.ERROR;
}

/** Wrap a command action: errors become exit code 2 with a readable message. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = await fn(...args);
    } catch (e) {
      code = reportError(e);
    }
    process.exitCode = code;
  };
}

export function usageError(message: string): DriftwatchError {
  return new DriftwatchError('DW_USAGE', message);
}

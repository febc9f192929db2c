// `driftwatch config check|docs`: validate a config, or print/write the
// generated reference table.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { configReferenceMarkdown, withConfigReference } from '../../config/docs.ts';
import { action, addConfigOption, EXIT, type GlobalOptions } from '../common.ts';

export function registerConfig(program: Command): void {
  const cmd = program.command('config').description('validate the configuration or print its reference');
  addConfigOption(cmd.command('check').description('validate the config (file + DRIFTWATCH_* env) and print the effective values, secrets redacted')).action(
    action(async (opts: GlobalOptions) => {
      const loaded = loadConfig({ path: opts.config });
      process.stdout.write(`# source: ${loaded.source ?? 'defaults (no config file)'}${loaded.envOverrides.length ? `; env overrides: ${loaded.envOverrides.join(', ')}` : ''}\n`);
      process.stdout.write(JSON.stringify(loaded.config, null, 2) + '\n');
      return EXIT.OK;
    }),
  );
  cmd
    .command('docs')
    .description('print the configuration reference (markdown), or rewrite it inside a README')
    .option('--write <file>', 'replace the generated block in this file')
    .action(
      action(async (opts: { write?: string }) => {
        if (opts.write) {
          writeFileSync(opts.write, withConfigReference(readFileSync(opts.write, 'utf8')));
          process.stdout.write(`updated the configuration reference in ${opts.write}\n`);
        } else {
          process.stdout.write(configReferenceMarkdown() + '\n');
        }
        return EXIT.OK;
      }),
    );
}

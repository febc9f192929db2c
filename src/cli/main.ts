// The `driftwatch` command line. Exit codes: 0 ok, 1 a finding (drift), 2 an error
// (`driftwatch gate` adds 3: inconclusive).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { EXIT } from './common.ts';
import { registerBaseline } from './commands/baseline.ts';
import { registerCompare } from './commands/compare.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDetect } from './commands/detect.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerSilences } from './commands/silences.ts';
import { registerSql } from './commands/sql.ts';
import { registerStart } from './commands/start.ts';
import { registerVersions } from './commands/versions.ts';
import { registerGate } from './commands/gate.ts';


export function buildProgram(): Command {
  const program = new Command('driftwatch')
    .description('drift and model-quality monitoring: Kafka prediction logs -> ClickHouse -> detectors -> metrics and alerts')
    .version(VERSION)
    // Program options (--version) only before the subcommand: `baseline import --version v12` is the model version.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  registerStart(program);
  registerMigrate(program);
  registerDemo(program);
  registerDetect(program);
  registerCompare(program);
  registerBaseline(program);
  registerSql(program);
  registerSilences(program);
  registerVersions(program);
  registerGate(program);
  registerConfig(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; usage errors exit 2 like every other error.
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
  } else {
    throw e;
  }
}

// `driftwatch demo`: the daemon on embedded defaults, for a first look.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { action, addConfigOption, cliLogger, type GlobalOptions } from '../common.ts';
import { runDaemon } from './start.ts';

export function registerDemo(program: Command): void {
  addConfigOption(
    program
      .command('demo')
      .description('run the daemon on embedded defaults (embedded ClickHouse under ./data/demo) and explain what it is doing')
      .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
      .option('--data-dir <dir>', 'data directory', './data/demo'),
  ).action(
    action(async (opts: GlobalOptions & { port: number; dataDir: string }) => {
      const brokers = process.env.KAFKA_BROKERS;
      const { config } = loadConfig({
        path: opts.config,
        overrides: {
          data_dir: opts.dataDir,
          http: { port: opts.port },
          log: { format: 'pretty' },
          // Without a broker the demo runs on the embedded store alone rather
          // than logging retries forever; set KAFKA_BROKERS to include Kafka.
          kafka: brokers ? { enabled: true, brokers } : { enabled: false },
        },
      });
      const logger = cliLogger(config);
      const say = (s: string): void => void process.stdout.write(s + '\n');
      say('driftwatch demo');
      say(`  store:  embedded ClickHouse (chDB) in ${config.data_dir}/clickhouse`);
      say(`  kafka:  ${brokers ? `consuming from ${brokers}` : 'off (set KAFKA_BROKERS=host:port, or run `npm run kafka start`)'}`);
      return runDaemon(config, logger, (port) => {
        say(`  http:   http://127.0.0.1:${port}/healthz  /readyz  /metrics`);
        say('  not there yet: ingest, detectors, alerts and the dashboard land with their issues.');
        say('  stop with Ctrl-C (SIGINT); the daemon drains and exits 0.');
      });
    }),
  );
}

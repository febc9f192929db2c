// `driftwatch silences list|add|expire`: manage alert silences, through the
// running daemon's HTTP API when it holds the embedded store, else directly
// in the store (a silence made there reaches a daemon on a ClickHouse server
// within alerts.silences.refresh_interval).
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../../../alerts/clock.ts';
import { ClickHouseSilenceStore, silenceJson, Silences, type SilenceState } from '../../../alerts/silences.ts';
import { isDriftwatchError } from '../../core/errors.ts';
import { migrate } from '../../core/store/migrate.ts';
import { accessStore, releaseAccess, type StoreAccess } from '../daemon-client.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';

type SilenceJson = ReturnType<typeof silenceJson>;

async function withSilences<T>(opts: GlobalOptions, fn: (access: StoreAccess, local: Silences | null) => Promise<T>): Promise<T> {
  const config = loadCliConfig(opts);
  const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
  const access = await accessStore(config, logger);
  try {
    if (access.kind === 'daemon') return await fn(access, null);
    await migrate(access.store, logger);
    const local = new Silences(new ClickHouseSilenceStore(access.store), systemClock);
    await local.refresh();
    return await fn(access, local);
  } finally {
    await releaseAccess(access);
  }
}

function print(silences: SilenceJson[], format: string): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(silences, null, 2) + '\n');
    return;
  }
  const rows = silences.map((s) => ({
    id: s.id,
    state: (s.status as { state: string }).state,
    matchers: (s.matchers as Array<{ text: string }>).map((m) => m.text).join(' '),
    starts_at: s.starts_at,
    ends_at: s.ends_at,
    created_by: s.created_by,
    comment: s.comment,
  }));
  process.stdout.write(formatTable(['id', 'state', 'matchers', 'starts_at', 'ends_at', 'created_by', 'comment'], rows));
}

interface ListOptions extends GlobalOptions {
  state: string;
  format: string;
}

interface AddOptions extends GlobalOptions {
  duration?: string;
  end?: string;
  start?: string;
  author?: string;
  comment?: string;
  format: string;
}

export function registerSilences(program: Command): void {
  const cmd = program.command('silences').description('list, add and expire alert silences (Alertmanager-style label matchers)');

  addConfigOption(
    cmd
      .command('list')
      .description('list silences')
      .option('--state <state>', 'active, pending, expired or all', 'active')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (opts: ListOptions) => {
      if (!['active', 'pending', 'expired', 'all'].includes(opts.state)) throw usageError(`--state must be active, pending, expired or all (got ${opts.state})`);
      if (!['table', 'json'].includes(opts.format)) throw usageError(`--format must be table or json (got ${opts.format})`);
      const list = await withSilences(opts, async (access, local) => {
        if (access.kind === 'daemon') {
          // The API pages its lists; read every page.
          const out: SilenceJson[] = [];
          for (let offset: number | null = 0; offset !== null; ) {
            const q = `?limit=1000&offset=${offset}${opts.state === 'all' ? '' : `&state=${opts.state}`}`;
            const page: { silences: SilenceJson[]; next_offset: number | null } = await access.api.request('GET', `/v1/silences${q}`);
            out.push(...page.silences);
            offset = page.next_offset;
          }
          return out;
        }
        const now = systemClock.now();
        return (local?.list(opts.state === 'all' ? undefined : (opts.state as SilenceState)) ?? []).map((s) => silenceJson(s, now));
      });
      print(list, opts.format);
      return EXIT.OK;
    }),
  );

  addConfigOption(
    cmd
      .command('add')
      .description('silence the alerts matching every matcher, e.g.: silences add \'model="fraud"\' \'feature=~"amount|country"\' --duration 2h --comment INC-123')
      .argument('<matchers...>', 'label matchers: name="value", name!="value", name=~"regex", name!~"regex"')
      .option('-d, --duration <duration>', 'how long, e.g. 30m, 2h, 1d')
      .option('--end <time>', 'end time (ISO 8601), instead of --duration')
      .option('--start <time>', 'start time (ISO 8601); default now')
      .option('-a, --author <name>', 'who creates it (default: the OS user)')
      .option('-m, --comment <text>', 'why: a ticket, an incident (required)')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (matchers: string[], opts: AddOptions) => {
      if (!opts.comment) throw usageError('--comment is required (say why: a ticket, an incident)');
      if (!opts.duration && !opts.end) throw usageError('give --duration or --end');
      const body = {
        matchers,
        ...(opts.duration ? { duration: opts.duration } : {}),
        ...(opts.end ? { ends_at: opts.end } : {}),
        ...(opts.start ? { starts_at: opts.start } : {}),
        created_by: opts.author ?? userInfo().username,
        comment: opts.comment,
      };
      const created = await withSilences(opts, async (access, local) => {
        if (access.kind === 'daemon') return (await access.api.request<{ silence: SilenceJson }>('POST', '/v1/silences', body)).silence;
        const s = await (local as Silences).create(body);
        return silenceJson(s, systemClock.now());
      });
      if (opts.format === 'json') process.stdout.write(JSON.stringify(created, null, 2) + '\n');
      else process.stdout.write(`${created.id}\n`);
      return EXIT.OK;
    }),
  );

  addConfigOption(
    cmd
      .command('expire')
      .description('end silences now')
      .argument('<ids...>', 'silence ids (from silences list)'),
  ).action(
    action(async (ids: string[], opts: GlobalOptions) => {
      let missing = 0;
      await withSilences(opts, async (access, local) => {
        for (const id of ids) {
          try {
            if (access.kind === 'daemon') await access.api.request('DELETE', `/v1/silences/${encodeURIComponent(id)}`);
            else await (local as Silences).expire(id);
            process.stdout.write(`expired ${id}\n`);
          } catch (e) {
            const notFound = isDriftwatchError(e, 'DW_ALERT_SILENCE_NOT_FOUND') || (isDriftwatchError(e, 'DW_DAEMON_API') && e.details?.status === 404);
            if (!notFound) throw e;
            missing++;
            process.stderr.write(`driftwatch: DW_ALERT_SILENCE_NOT_FOUND: no silence with id ${id}\n`);
          }
        }
      });
      return missing > 0 ? EXIT.ERROR : EXIT.OK;
    }),
  );
}

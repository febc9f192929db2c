// Load driftwatch.yaml: read, parse, apply env overrides, validate against the
// one schema, resolve secrets, freeze. Every problem is reported at once with
// its path; nothing starts on an invalid config.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DriftwatchError } from '../core/errors.ts';
import { deepFreeze } from '../core/util/freeze.ts';
import { applyEnvOverrides } from './env-overrides.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { configSchema, type Config } from './schema.ts';

export const DEFAULT_CONFIG_PATH = './driftwatch.yaml';

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file that was read, or null when none existed and defaults apply. */
  source: string | null;
  envOverrides: string[];
}

export interface LoadOptions {
  /** Path given with --config; a missing explicit path is an error, a missing default is not. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Values applied after the file and env (CLI flags). */
  overrides?: Record<string, unknown>;
}

function readRaw(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DriftwatchError('DW_CONFIG_READ', `cannot read config file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new DriftwatchError('DW_CONFIG_READ', `config file ${path} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `config file ${path} must hold a mapping at the top level`, { details: { problems: ['(root): expected a mapping'] } });
  }
  return doc as Record<string, unknown>;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Validate an already-parsed object (used by the loader and by tests). */
export function parseConfig(raw: unknown, sourceName = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = formatIssues(result.error.issues).flatMap((l) => l.split('\n'));
    throw new DriftwatchError('DW_CONFIG_INVALID', `invalid ${sourceName} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return result.data;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.DRIFTWATCH_CONFIG ?? DEFAULT_CONFIG_PATH;
  const explicit = opts.path !== undefined || env.DRIFTWATCH_CONFIG !== undefined;
  let raw: Record<string, unknown> = {};
  let source: string | null = null;
  if (existsSync(path)) {
    raw = readRaw(path);
    source = path;
  } else if (explicit) {
    throw new DriftwatchError('DW_CONFIG_READ', `config file ${path} does not exist`);
  }
  const envOnly = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'DRIFTWATCH_CONFIG'));
  const { config: withEnv, applied } = applyEnvOverrides(raw, envOnly);
  const merged = opts.overrides ? merge(withEnv, opts.overrides) : withEnv;
  const config = parseConfig(merged, source ?? 'configuration (defaults and environment)');
  return { config: deepFreeze(config), source, envOverrides: applied };
}

// Environment overrides: DRIFTWATCH_<SECTION>__<KEY>=value sets section.key.
// A double underscore separates levels because keys contain single ones
// (DRIFTWATCH_CLICKHOUSE__URL, DRIFTWATCH_HTTP__PORT, DRIFTWATCH_DATA_DIR).
// Values are read as YAML scalars so numbers and booleans keep their types.
import { parse as parseYaml } from 'yaml';

export const ENV_PREFIX = 'DRIFTWATCH_';

function scalar(text: string): unknown {
  try {
    const v: unknown = parseYaml(text);
    return v === null || typeof v === 'object' ? text : v;
  } catch {
    return text;
  }
}

export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { config: Record<string, unknown>; applied: string[] } {
  const config = structuredClone(raw);
  const applied: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter(Boolean);
    if (path.length === 0) continue;
    let node: Record<string, unknown> = config;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) break;
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = scalar(value);
    applied.push(path.join('.'));
  }
  return { config, applied };
}

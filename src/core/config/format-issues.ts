// Turn zod issues into lines like `alerts.receivers[1].url: Invalid URL`.
import type { z } from 'zod';

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => `${formatPath([...i.path, k])}: unknown key`).join('\n');
    }
    return `${formatPath(i.path)}: ${i.message}`;
  });
}

// Name globs in config (models and features of a detector job, alert rule
// matchers): `*` any run of characters, `?` one character, everything else
// literal, matched against the whole name. One implementation for all.

/** A RegExp matching the whole name against a glob. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * A predicate for one glob or a list of globs (any may match). An absent or
 * empty list matches every name, as does a list holding `*`.
 */
export function globMatcher(globs: string | readonly string[] | undefined): (name: string) => boolean {
  const list = typeof globs === 'string' ? [globs] : (globs ?? []);
  if (list.length === 0 || list.includes('*')) return () => true;
  const res = list.map(globToRegExp);
  return (name) => res.some((r) => r.test(name));
}

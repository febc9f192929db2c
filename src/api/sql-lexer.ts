// A small tokenizer over the engine's canonical form of a query (one line,
// as formatQuerySingleLine prints it). It decides nothing about what a query
// reads (the syntax tree does that); it finds the statement's first keyword,
// the output clauses (INTO OUTFILE, FORMAT, SETTINGS) for a clear refusal,
// and quoted identifiers that carry escape sequences: EXPLAIN AST prints
// identifiers raw, so an escaped newline in one could add lines to the tree
// dump, and such names are refused before the dump is read.

export interface Token {
  kind: 'word' | 'string' | 'quoted' | 'number' | 'punct';
  text: string;
  /** Parenthesis depth at the token (0 = the statement's top level). */
  depth: number;
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  const n = sql.length;
  const quoted = (q: string): string => {
    const start = ++i;
    while (i < n && sql[i] !== q) i += sql[i] === '\\' ? 2 : 1;
    const text = sql.slice(start, Math.min(i, n));
    i++;
    return text;
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      out.push({ kind: 'string', text: quoted("'"), depth });
    } else if (c === '`' || c === '"') {
      out.push({ kind: 'quoted', text: quoted(c), depth });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      out.push({ kind: 'word', text: m, depth });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9A-Za-z_.]*/.exec(sql.slice(i))![0];
      out.push({ kind: 'number', text: m, depth });
      i += m.length;
    } else {
      if (c === ')') depth = Math.max(0, depth - 1);
      out.push({ kind: 'punct', text: c, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return out;
}

/** The first keyword of the statement, upper-cased ('(' for a parenthesised SELECT). */
export function firstKeyword(tokens: readonly Token[]): string {
  const t = tokens[0];
  return t ? t.text.toUpperCase() : '';
}

/** The output clause a top-level SELECT carries, if any: 'INTO OUTFILE', 'FORMAT' or 'SETTINGS'. */
export function outputClause(tokens: readonly Token[]): string | null {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'word' || t.depth !== 0) continue;
    const w = t.text.toUpperCase();
    const next = tokens[k + 1];
    if (w === 'INTO' && next?.text.toUpperCase() === 'OUTFILE') return 'INTO OUTFILE';
    if (w === 'FORMAT' && next && next.text !== '(' && next.text !== ',' && next.text !== '.') return 'FORMAT';
    if (w === 'SETTINGS') return 'SETTINGS';
  }
  return null;
}

/** Quoted identifiers the tree dump could not print faithfully (escapes, control characters). */
export function unsafeIdentifiers(tokens: readonly Token[]): string[] {
  // eslint-disable-next-line no-control-regex
  return tokens.filter((t) => t.kind === 'quoted' && /[\\\x00-\x1f\x7f]|\(children |\(alias /.test(t.text)).map((t) => t.text);
}

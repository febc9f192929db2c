// Just enough of ClickHouse's lexer for what the HTTP layer of a server has
// to know before the engine parses a query: is it one statement (the HTTP
// interface refuses multi-statements), what is its first keyword (SET and USE
// change session state), which output format does it name, and for an INSERT
// whose data follows in the same text, where does the data start. Strings,
// quoted identifiers and comments are skipped so a `;` or `FORMAT` inside
// them is not mistaken for syntax.

export interface Token {
  /** Upper-cased word, or the punctuation character itself. */
  text: string;
  /** The word as written (identifiers keep their case). */
  raw: string;
  kind: 'word' | 'punct' | 'literal';
  start: number;
  end: number;
}

function skipQuoted(sql: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (c === '\\') j += 2;
    else if (c === quote) {
      if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    } else j += 1;
  }
  return sql.length;
}

/** The next token at or after i (undefined at the end of the text). */
export function nextToken(sql: string, from: number): Token | undefined {
  let i = from;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '#' && (sql[i + 1] === ' ' || sql[i + 1] === '!')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === "'") {
      const end = skipQuoted(sql, i, "'");
      return { text: sql.slice(i, end), raw: sql.slice(i, end), kind: 'literal', start: i, end };
    } else if (c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      const raw = sql.slice(i + 1, end - 1);
      return { text: raw.toUpperCase(), raw, kind: 'word', start: i, end };
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j] as string)) j += 1;
      const raw = sql.slice(i, j);
      return { text: raw.toUpperCase(), raw, kind: 'word', start: i, end: j };
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[0-9A-Za-z_.]/.test(sql[j] as string)) j += 1;
      return { text: sql.slice(i, j), raw: sql.slice(i, j), kind: 'literal', start: i, end: j };
    } else {
      return { text: c, raw: c, kind: 'punct', start: i, end: i + 1 };
    }
  }
  return undefined;
}

export interface StatementInfo {
  /** First keyword, upper-cased ('' for an empty text). */
  first: string;
  /** First two keywords, upper-cased and space-joined (e.g. 'CREATE TEMPORARY'). */
  firstTwo: string;
  /** More than one statement (a `;` followed by anything but comments). */
  multi: boolean;
  /** The output format named by a trailing FORMAT clause (not for INSERT). */
  format?: string;
  /**
   * For an INSERT: the offset where its inline data starts (just after
   * `FORMAT <name>` or `VALUES`), or the text's length when none follows.
   */
  dataStart?: number;
  /** For an INSERT: the input format (`Values` for VALUES). */
  insertFormat?: string;
  /** Characters of the statement proper (a trailing `;` excluded). */
  statementEnd: number;
}

/** Look at one query text the way the HTTP layer needs to (see the file comment). */
export function inspectStatement(sql: string): StatementInfo {
  const tokens: Token[] = [];
  const words: string[] = [];
  let depth = 0;
  let pos = 0;
  const info: StatementInfo = { first: '', firstTwo: '', multi: false, statementEnd: sql.length };
  for (let t = nextToken(sql, pos); t; t = nextToken(sql, pos)) {
    pos = t.end;
    if (t.kind === 'word' && words.length < 2) {
      words.push(t.text);
      info.first = words[0] as string;
      info.firstTwo = words.join(' ');
    }
    if (t.text === '(' || t.text === '[' || t.text === '{') depth += 1;
    if (t.text === ')' || t.text === ']' || t.text === '}') depth = Math.max(0, depth - 1);
    if (info.first === 'INSERT' && depth === 0 && t.kind === 'word') {
      // The data of an INSERT is the format's to read, not SQL: stop here.
      if (t.text === 'VALUES') return { ...info, insertFormat: 'Values', dataStart: t.end };
      if (t.text === 'FORMAT') {
        const name = nextToken(sql, t.end);
        if (name && name.kind === 'word') return { ...info, insertFormat: name.raw, dataStart: name.end };
      }
    }
    if (t.text === ';' && depth === 0) {
      info.statementEnd = t.start;
      let rest = nextToken(sql, t.end);
      while (rest && rest.text === ';') rest = nextToken(sql, rest.end);
      return { ...info, multi: rest !== undefined, format: trailingFormat(tokens) };
    }
    tokens.push(t);
  }
  return { ...info, format: info.first === 'INSERT' ? undefined : trailingFormat(tokens) };
}

/** `... FORMAT Name` or `... FORMAT Name SETTINGS ...` at the top level. */
function trailingFormat(tokens: Token[]): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let k = 0; k < tokens.length; k += 1) {
    const t = tokens[k] as Token;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth += 1;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.text === 'FORMAT' && t.kind === 'word') {
      const name = tokens[k + 1];
      const after = tokens[k + 2];
      if (name?.kind === 'word' && (after === undefined || after.text === 'SETTINGS')) found = name.raw;
    }
  }
  return found;
}

// The gate in front of read-only SQL: a query runs only if the engine's own
// parser reads it as one SELECT (WITH, UNION, INTERSECT, EXCEPT and
// subqueries allowed) over driftwatch's tables and a few system tables,
// calling only allowed functions. Steps, none of which executes the query:
//   1. formatQuerySingleLine(q), with q as a bound parameter: the engine parses
//      exactly one statement (a second one is a syntax error) and prints its
//      canonical form; that form must print as itself again (a fixpoint), and
//      it is what runs, never the text as sent.
//   2. The canonical form must start with SELECT, WITH or "(", and its quoted
//      identifiers must hold no escapes (the tree dump prints names raw).
//   3. EXPLAIN AST SELECT * FROM (<canonical>): as a subquery, the statement
//      cannot carry INTO OUTFILE or FORMAT (a syntax error there), and the
//      dump is the tree the engine will run.
//   4. Every node of that tree is checked (checkTree below).
import { DriftwatchError } from '../core/errors.ts';
import type { Store } from '../core/store/store.ts';
import { AstShapeError, parseAstDump, walk, type AstNode } from './sql-ast.ts';
import { SQL_AGGREGATES, SQL_FUNCTIONS, SQL_FUNCTIONS_ANY_CASE, SQL_FUNCTIONS_DENIED } from './sql-functions.ts';
import { firstKeyword, outputClause, tokenize, unsafeIdentifiers } from './sql-lexer.ts';
import { SQL_AGGREGATE_COMBINATORS, SQL_AST_NODES, SQL_IN_FUNCTIONS, SQL_SYNTAX_FUNCTIONS, SQL_SYSTEM_TABLES, SQL_TABLES } from './sql-policy.ts';

/** Settings of the guard's own queries: read-only, quick. */
const GUARD_SETTINGS = { max_execution_time: 10, readonly: 1 } as const;

export function refuse(reason: string, details?: Record<string, unknown>): DriftwatchError {
  return new DriftwatchError('DW_SQL_REFUSED', reason, { details: { reason, ...details } });
}

const AGGREGATES_ANY_CASE = new Set([...SQL_AGGREGATES].map((n) => n.toLowerCase()).filter((n) => SQL_FUNCTIONS_ANY_CASE.has(n)));

const DENIED_ANY_CASE = new Map(Object.entries(SQL_FUNCTIONS_DENIED).map(([n, why]) => [n.toLowerCase(), why]));

function isAggregate(name: string): boolean {
  return SQL_AGGREGATES.has(name) || AGGREGATES_ANY_CASE.has(name.toLowerCase());
}

/** Null when the function may be called, else why not. */
export function functionRefusal(name: string): string | null {
  if (SQL_SYNTAX_FUNCTIONS.has(name) || SQL_FUNCTIONS.has(name) || SQL_FUNCTIONS_ANY_CASE.has(name.toLowerCase())) return null;
  // An aggregate followed by combinators: countIf, uniqMergeState, sumForEachIf...
  let base = name;
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const c of SQL_AGGREGATE_COMBINATORS) {
      if (base.length > c.length && base.endsWith(c)) {
        base = base.slice(0, -c.length);
        stripped = true;
        if (isAggregate(base)) return null;
        break;
      }
    }
  }
  const denied = DENIED_ANY_CASE.get(name.toLowerCase()) ?? DENIED_ANY_CASE.get(base.toLowerCase());
  return denied ? `function ${name}() is not allowed: it ${denied}` : `function ${name}() is not allowed (not a known function of read-only SQL)`;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const readable = (): string => [...Object.keys(SQL_TABLES), ...Object.keys(SQL_SYSTEM_TABLES)].join(', ');

/**
 * Table names in the tree: qualified ones must be allowed outright;
 * unqualified ones are either driftwatch tables or names of the query's own
 * (WITH ... AS) tables, which `unresolved` collects to be checked against
 * the database: a name that is a real table there but not an allowed one is
 * refused.
 */
function checkTableName(name: string, database: string, unresolved: Set<string>): void {
  if (!TABLE_NAME.test(name)) throw refuse(`table name ${JSON.stringify(name)} is not allowed`);
  const dot = name.indexOf('.');
  if (dot < 0) {
    if (!(name in SQL_TABLES)) unresolved.add(name);
    return;
  }
  const db = name.slice(0, dot);
  const table = name.slice(dot + 1);
  if (db === database && table in SQL_TABLES) return;
  if (name in SQL_SYSTEM_TABLES) return;
  throw refuse(`table ${name} is not readable; SQL may read: ${readable()}`);
}

/** Check every node of the tree; returns unqualified names to resolve against the database. */
export function checkTree(root: AstNode, database: string): Set<string> {
  const unresolved = new Set<string>();
  for (const { node, parent } of walk(root)) {
    if (!SQL_AST_NODES.has(node.type)) {
      if (node.type === 'Set') throw refuse('SETTINGS clauses are not allowed: limits and timeouts are set by driftwatch');
      if (node.type === 'QueryParameter') throw refuse('query parameters ({name:Type}) are not supported');
      if (node.type === 'ColumnsApplyTransformer') throw refuse('APPLY is not allowed: write the function around each column instead');
      throw refuse(`${node.type} is not allowed in read-only SQL: only a SELECT over driftwatch tables`);
    }
    if (node.type === 'Function') {
      const fn = node.name.split(' ')[0] ?? '';
      if (parent?.type === 'TableExpression') throw refuse(`table function ${fn}() is not allowed: SQL reads driftwatch tables only (${readable()})`);
      const why = functionRefusal(fn);
      if (why) throw refuse(why);
      // `x IN t`: a bare name on the right is a table (or a set) to read.
      if (SQL_IN_FUNCTIONS.has(fn)) {
        const right = node.children[0]?.children[1];
        if (right?.type === 'Identifier') checkTableName(right.name, database, unresolved);
      }
    }
    if (node.type === 'TableIdentifier') checkTableName(node.name, database, unresolved);
  }
  return unresolved;
}

function firstLine(e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  return msg.replace(/^ClickHouse: /, '').split(/\n|: In scope /)[0]!.slice(0, 300);
}

/** Checks the query; returns the canonical text to run in its place. Throws DW_SQL_REFUSED. */
export async function guardQuery(store: Store, sql: string): Promise<string> {
  const text = sql.trim().replace(/;\s*$/, '');
  if (text === '') throw refuse('the query is empty');
  let canonical: string;
  try {
    const [row] = await store.query<{ a: string; b: string }>('SELECT formatQuerySingleLine({q:String}) AS a, formatQuerySingleLine(a) AS b', {
      params: { q: text },
      settings: GUARD_SETTINGS,
    });
    if (!row || row.a !== row.b) throw refuse('the query has no stable canonical form');
    canonical = row.a;
  } catch (e) {
    if (e instanceof DriftwatchError && e.code === 'DW_SQL_REFUSED') throw e;
    const why = firstLine(e);
    throw refuse(/Multi-statements/i.test(why) ? 'only one statement is allowed' : `the query does not parse: ${why}`);
  }
  const tokens = tokenize(canonical);
  const first = firstKeyword(tokens);
  if (first !== 'SELECT' && first !== 'WITH' && first !== '(') throw refuse(`${first || 'this'} statements are not allowed: only one SELECT (WITH, UNION and subqueries allowed)`);
  const bad = unsafeIdentifiers(tokens);
  if (bad.length > 0) throw refuse(`quoted identifiers with escape sequences or control characters are not allowed: ${JSON.stringify(bad[0])}`);
  const clause = outputClause(tokens);
  if (clause === 'INTO OUTFILE') throw refuse('INTO OUTFILE is not allowed: results come back in the answer, nothing is written');
  if (clause === 'FORMAT') throw refuse('FORMAT clauses are not allowed: the answer is JSON (the CLI prints table, json or csv)');
  if (clause === 'SETTINGS') throw refuse('SETTINGS clauses are not allowed: limits and timeouts are set by driftwatch');
  let root: AstNode;
  try {
    root = parseAstDump(await store.queryLines(`EXPLAIN AST SELECT * FROM (${canonical})`, { settings: GUARD_SETTINGS }));
  } catch (e) {
    if (e instanceof AstShapeError) throw refuse(`the syntax tree could not be read: ${e.message}`);
    if (/Substitution .* is not set/.test(firstLine(e))) throw refuse('query parameters ({name:Type}) are not supported');
    throw refuse(`only one SELECT is allowed (it must be usable as a subquery): ${firstLine(e)}`);
  }
  const unresolved = checkTree(root, store.database);
  if (unresolved.size > 0) {
    const found = await store.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND has({names:Array(String)}, name)', {
      params: { db: store.database, names: [...unresolved] },
      settings: GUARD_SETTINGS,
    });
    if (found.length > 0) throw refuse(`table ${found[0]!.name} is not readable; SQL may read: ${readable()}`);
  }
  return canonical;
}

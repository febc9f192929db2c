// The syntax tree of a query as the engine's parser built it, read from
// EXPLAIN AST: one line per node, indented one space per level, e.g.
//   SelectWithUnionQuery (children 1)
//    ExpressionList (children 1)
//     SelectQuery (children 2)
//      ExpressionList (children 1)
//       Function count (alias n) (children 1)
//        ExpressionList
//      TablesInSelectQuery (children 1)
//       ...
//        TableIdentifier predictions (alias p)
// The dump is checked for shape as it is read: indentation grows one level at
// a time and every node has exactly the children it announces, so a dump
// that is not a well-formed tree (nothing the guard should trust) is refused.

export interface AstNode {
  /** Node type: SelectQuery, Function, TableIdentifier, ... */
  type: string;
  /** What follows the type: a function's or table's name, a literal's value. */
  name: string;
  alias: string | null;
  children: AstNode[];
  line: number;
}

export class AstShapeError extends Error {}

interface Pending {
  node: AstNode;
  depth: number;
  declared: number;
}

function parseLine(text: string, line: number): { depth: number; node: AstNode; declared: number } {
  const m = /^( *)(\S+)(?: (.*))?$/.exec(text);
  if (!m) throw new AstShapeError(`line ${line} of the syntax tree is malformed`);
  let rest = m[3] ?? '';
  let declared = 0;
  const kids = / ?\(children (\d+)\)$/.exec(rest);
  if (kids) {
    declared = Number(kids[1]);
    rest = rest.slice(0, kids.index);
  }
  let alias: string | null = null;
  const al = / ?\(alias (.*)\)$/.exec(rest);
  if (al && m[2] !== 'Literal') {
    alias = al[1] ?? '';
    rest = rest.slice(0, al.index);
  }
  return { depth: m[1]!.length, declared, node: { type: m[2]!, name: rest, alias, children: [], line } };
}

/** The tree of an EXPLAIN AST dump (its lines in order). */
export function parseAstDump(lines: readonly string[]): AstNode {
  const stack: Pending[] = [];
  const done = (p: Pending): void => {
    if (p.node.children.length !== p.declared) {
      throw new AstShapeError(`node ${p.node.type} on line ${p.node.line} announces ${p.declared} children and has ${p.node.children.length}`);
    }
  };
  let root: AstNode | null = null;
  lines.forEach((text, k) => {
    const { depth, node, declared } = parseLine(text, k + 1);
    if (root === null) {
      if (depth !== 0) throw new AstShapeError('the syntax tree does not start at its root');
      root = node;
      stack.push({ node, depth, declared });
      return;
    }
    if (depth < 1 || depth > stack.length) throw new AstShapeError(`line ${k + 1} of the syntax tree is indented out of place`);
    while (stack.length > depth) done(stack.pop()!);
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ node, depth, declared });
  });
  while (stack.length > 0) done(stack.pop()!);
  if (root === null) throw new AstShapeError('the syntax tree is empty');
  return root;
}

/** Every node of the tree with its parent, depth first. */
export function* walk(node: AstNode, parent: AstNode | null = null): Generator<{ node: AstNode; parent: AstNode | null }> {
  yield { node, parent };
  for (const c of node.children) yield* walk(c, node);
}

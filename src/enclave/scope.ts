// Lexical scopes of a script, enough to tell a global from a local of the same name at each use:
// `xs.map((Object) => Object)` declares a local `Object` inside the arrow only.
import type * as acorn from 'acorn';
import { patternNames } from './ast-utils.js';

type ScopeNode = acorn.Program | acorn.BlockStatement | acorn.ForStatement | acorn.ForOfStatement
  | acorn.ArrowFunctionExpression | acorn.CatchClause | acorn.SwitchStatement;

function declarationsIn(statements: ReadonlyArray<acorn.Node>, out: Set<string>): void {
  for (const s of statements) {
    if (s.type === 'VariableDeclaration') for (const d of (s as acorn.VariableDeclaration).declarations) patternNames(d.id).forEach((id) => out.add(id.name));
  }
}

/** The names a scope-creating node declares for its own body; null when the node creates no scope. */
function namesOf(node: acorn.AnyNode): Set<string> | null {
  const out = new Set<string>();
  switch (node.type) {
    case 'Program':
    case 'BlockStatement':
      declarationsIn(node.body, out);
      return out;
    case 'SwitchStatement':
      for (const c of node.cases) declarationsIn(c.consequent, out);
      return out;
    case 'ForStatement':
      if (node.init?.type === 'VariableDeclaration') declarationsIn([node.init], out);
      return out;
    case 'ForOfStatement':
    case 'ForInStatement':
      if (node.left.type === 'VariableDeclaration') declarationsIn([node.left], out);
      return out;
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
    case 'FunctionDeclaration':
      node.params.forEach((p) => patternNames(p).forEach((id) => out.add(id.name)));
      return out;
    case 'CatchClause':
      if (node.param) patternNames(node.param).forEach((id) => out.add(id.name));
      return out;
    default:
      return null;
  }
}

export class Scopes {
  private readonly cache = new WeakMap<acorn.Node, Set<string> | null>();

  private names(node: acorn.Node): Set<string> | null {
    let names = this.cache.get(node);
    if (names === undefined) {
      names = namesOf(node as acorn.AnyNode);
      this.cache.set(node, names);
    }
    return names;
  }

  /** Whether `name` is declared by the script in a scope enclosing the last of `ancestors`. */
  isLocal(name: string, ancestors: readonly acorn.Node[]): boolean {
    for (let i = ancestors.length - 1; i >= 0; i--) {
      if (this.names(ancestors[i] as ScopeNode)?.has(name)) return true;
    }
    return false;
  }
}

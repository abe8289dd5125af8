// Small pure helpers over acorn's ESTree nodes, shared by the validator, the transform and the scorer.
import type * as acorn from 'acorn';

/** The static string a key or argument denotes: an identifier name, a string literal, or a template with no `${}`. */
export function staticString(node: acorn.Node | null | undefined, computed = true): string | null {
  if (!node) return null;
  const n = node as acorn.AnyNode;
  if (n.type === 'Identifier' && !computed) return n.name;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'Literal' && typeof n.value === 'number') return String(n.value);
  if (n.type === 'TemplateLiteral' && n.expressions.length === 0) return n.quasis[0]?.value.cooked ?? null;
  return null;
}

/** The property name of a member expression when it is known statically. */
export function memberName(node: acorn.MemberExpression): string | null {
  return staticString(node.property, node.computed);
}

/** Everything a pattern writes to: identifiers, and member expressions when it is an assignment target. */
export function patternTargets(
  pattern: acorn.Node | null | undefined,
  out: Array<acorn.Identifier | acorn.MemberExpression> = [],
): Array<acorn.Identifier | acorn.MemberExpression> {
  if (!pattern) return out;
  const p = pattern as acorn.AnyNode;
  switch (p.type) {
    case 'Identifier':
    case 'MemberExpression':
      out.push(p);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties) patternTargets(prop.type === 'RestElement' ? prop.argument : prop.value, out);
      break;
    case 'ArrayPattern':
      for (const el of p.elements) patternTargets(el, out);
      break;
    case 'AssignmentPattern':
      patternTargets(p.left, out);
      break;
    case 'RestElement':
      patternTargets(p.argument, out);
      break;
    default:
      break;
  }
  return out;
}

/** Names a binding pattern declares. */
export function patternNames(pattern: acorn.Node | null | undefined): acorn.Identifier[] {
  return patternTargets(pattern).filter((t): t is acorn.Identifier => t.type === 'Identifier');
}

/** The names a list of statements declares in its own block: let, const, var, function and class names. */
export function declaredIn(statements: readonly acorn.Node[], out: acorn.Identifier[] = []): acorn.Identifier[] {
  for (const s of statements as readonly acorn.AnyNode[]) {
    if (s.type === 'VariableDeclaration') {
      for (const d of s.declarations) for (const id of patternNames(d.id)) out.push(id);
    } else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) {
      out.push(s.id);
    }
  }
  return out;
}

/** The identifier at the root of a member chain (`a` in `a.b[c].d`), if any. */
export function rootIdentifier(node: acorn.Node): acorn.Identifier | null {
  let n = node as acorn.AnyNode;
  while (n.type === 'MemberExpression') n = n.object as acorn.AnyNode;
  if (n.type === 'ChainExpression') return rootIdentifier(n.expression);
  return n.type === 'Identifier' ? n : null;
}

export function position(node: acorn.Node): { line: number; column: number } {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
}

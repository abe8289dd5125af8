// Scopes: every identifier the validator sees resolves exactly as the language resolves it. One test per
// construct. Each test lists the occurrences of one name in source order: 'decl' (declares a binding), 'global'
// (refers to no binding of the script), or '→k' (refers to the binding declared by occurrence k).
import { full } from 'acorn-walk';
import type * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import { parseScript } from '../../src/enclave/parse.js';
import { Scopes } from '../../src/enclave/scope.js';

const fail = (): never => {
  throw new Error('unexpected tree');
};

function program(code: string): acorn.Program {
  const parsed = parseScript(code);
  if (!parsed.ok) throw new Error(`does not parse: ${parsed.issue.message}`);
  return parsed.ast;
}

/** The identifiers named `name` that the walkers visit (references, declarations, assignment targets). */
function occurrences(ast: acorn.Program, name: string): acorn.Identifier[] {
  const found = new Set<acorn.Identifier>();
  full(ast, (node) => {
    if (node.type === 'Identifier' && node.name === name) found.add(node);
  });
  return [...found].sort((a, b) => a.start - b.start);
}

function resolution(code: string, name: string): string[] {
  const ast = program(code);
  const scopes = new Scopes(ast);
  const ids = occurrences(ast, name);
  return ids.map((id) => {
    if (scopes.isDeclaration(id)) return 'decl';
    if (scopes.isGlobalRef(id)) return 'global';
    return `→${ids.indexOf(scopes.bindingOf(id)!)}`;
  });
}

describe('blocks', () => {
  it('a block-scoped name is visible inside its block only, and shadows the outer one there', () => {
    expect(resolution('const x = 1;\n{ const x = 2; x; }\nx;', 'x')).toEqual(['decl', 'decl', '→1', '→0']);
    expect(resolution('{ const x = 2; }\nreturn x;', 'x')).toEqual(['decl', 'global']);
  });
  it('let and const hoist to the top of their block (a use before the line is the local, in its TDZ)', () => {
    expect(resolution('{ x; let x = 1; }\nx;', 'x')).toEqual(['→1', 'decl', 'global']);
  });
  it('the top level is a scope like any block', () => {
    expect(resolution('Math.max(1);\nconst Math = { max: () => 0 };', 'Math')).toEqual(['→1', 'decl']);
  });
});

describe('switch', () => {
  it('the discriminant does not see names declared in the cases (issue 8: `switch (r = typeof BigInt)`)', () => {
    expect(resolution('let r;\nswitch (r = typeof BigInt) { default: const BigInt = 0; }\nreturn r;', 'BigInt')).toEqual(['global', 'decl']);
    expect(resolution('switch (Math = 1) { default: const Math = 0; }', 'Math')).toEqual(['global', 'decl']);
  });
  it('the cases share one block: case tests and every case body see its names', () => {
    expect(resolution('switch (1) { case x: const x = 1; break; case 2: x; }', 'x')).toEqual(['→1', 'decl', '→1']);
  });
  it('names declared in the cases are not visible after the switch', () => {
    expect(resolution('switch (1) { default: const x = 1; }\nreturn x;', 'x')).toEqual(['decl', 'global']);
  });
});

describe('for heads', () => {
  it('`for (let i …)`: the head, test, update and body see i; nothing after the loop does', () => {
    expect(resolution('for (let i = 0; i < 2; i++) { i; }\nreturn i;', 'i')).toEqual(['decl', '→0', '→0', '→0', 'global']);
  });
  it('a body block that redeclares the head name shadows it inside the body only', () => {
    expect(resolution('for (let i = 0; i < 1; i++) { const i = 5; i; }', 'i')).toEqual(['decl', '→0', '→0', 'decl', '→3']);
  });
  it('a head initialiser sees the head names, not the body names', () => {
    expect(resolution('for (let i = Math.max(1, 2); i < 1; i++) { const Math = 1; }', 'Math')).toEqual(['global', 'decl']);
  });
  it('`for (x of xs)` without a declaration assigns the outer x', () => {
    expect(resolution('let x;\nfor (x of [1]) { x; }', 'x')).toEqual(['decl', '→0', '→0']);
  });
});

describe('for…of heads', () => {
  it('the iterable is evaluated where the head names already exist (in their TDZ)', () => {
    expect(resolution('for (const Math of Math) { }', 'Math')).toEqual(['decl', '→0']);
  });
  it('the body sees the head name; after the loop it is gone', () => {
    expect(resolution('for (const x of [1]) { x; }\nx;', 'x')).toEqual(['decl', '→0', 'global']);
  });
  it('destructuring defaults in the head see the head names and the outer scope, not the body', () => {
    expect(resolution('for (const { a = Math.max(1) } of [{}]) { const Math = 0; }', 'Math')).toEqual(['global', 'decl']);
    expect(resolution('for (const { a, b = a } of [{}]) { }', 'a')).toEqual(['decl', '→0']);
  });
});

describe('catch parameters', () => {
  it('the parameter is visible in the catch block only', () => {
    expect(resolution('try { } catch (e) { e; }\ne;', 'e')).toEqual(['decl', '→0', 'global']);
  });
  it('defaults in a destructured parameter see earlier parameter names and the outer scope, not the block', () => {
    expect(resolution('try { } catch ({ a = Promise }) { const Promise = 1; }', 'Promise')).toEqual(['global', 'decl']);
    expect(resolution('try { } catch ({ a, b = a }) { }', 'a')).toEqual(['decl', '→0']);
  });
  it('a block inside the catch shadows the parameter there', () => {
    expect(resolution('try { } catch (e) { { const e = 1; e; } e; }', 'e')).toEqual(['decl', 'decl', '→1', '→0']);
  });
});

describe('arrow parameters and defaults', () => {
  it('parameters are visible in the body, not outside', () => {
    expect(resolution('[1].map((x) => x);\nx;', 'x')).toEqual(['decl', '→0', 'global']);
  });
  it('a default sees the parameters (in their TDZ) and the outer scope, never the body', () => {
    expect(resolution('[1].map((a = Math) => { const Math = 1; return a; })', 'Math')).toEqual(['global', 'decl']);
    expect(resolution('[1].map((a = b, b) => a)', 'b')).toEqual(['→1', 'decl']);
  });
  it('an expression body is in the parameter scope', () => {
    expect(resolution('const xs = [1];\nxs.map((xs) => xs);\nxs;', 'xs')).toEqual(['decl', '→0', 'decl', '→2', '→0']);
  });
  it('nested arrows resolve to the nearest parameter', () => {
    expect(resolution('[1].map((x) => [2].map((x) => x) && x)', 'x')).toEqual(['decl', 'decl', '→1', '→0']);
  });
});

describe('destructuring', () => {
  it('a default in a declaration is evaluated in the declaring scope, and sees the names being declared', () => {
    expect(resolution('const { a = 1, b = a } = {};', 'a')).toEqual(['decl', '→0']);
    expect(resolution('{ const { a = Math } = {}; }\nconst Math = 1;', 'Math')).toEqual(['→1', 'decl']);
  });
  it('a computed key is a reference; renamed and rest targets are declarations', () => {
    expect(resolution('const k = "a";\nconst { [k]: v, ...k2 } = {};', 'k')).toEqual(['decl', '→0']);
    expect(resolution('const { a: v, ...rest } = {};\nv; rest;', 'v')).toEqual(['decl', '→0']);
  });
  it('an assignment pattern writes existing names (or globals), it declares nothing', () => {
    expect(resolution('let a;\n[a, Math] = [1, 2];', 'a')).toEqual(['decl', '→0']);
    expect(resolution('let a;\n[a, Math] = [1, 2];', 'Math')).toEqual(['global']);
  });
});

describe('refused constructs still resolve without surprises', () => {
  it('a function expression name is visible inside it only; function parameters are its own', () => {
    expect(resolution('const g = function f(f2) { return f; };\nf;', 'f')).toEqual(['decl', '→0', 'global']);
  });
  it('a class expression name is visible inside the class only', () => {
    expect(resolution('const C = class K { m() { return K; } };\nK;', 'K')).toEqual(['decl', '→0', 'global']);
  });
});

describe('names inherited from Object.prototype are never bindings by inheritance', () => {
  for (const name of Object.getOwnPropertyNames(Object.prototype)) {
    it(`\`${name}\` is global unless declared`, () => {
      expect(resolution(`${name};\n[1].map((x) => ${name});`, name)).toEqual(['global', 'global']);
      expect(resolution(`const ${name} = 1;\n${name};`, name)).toEqual(['decl', '→0']);
    });
  }
});

describe('the API', () => {
  it('fails closed: an identifier the walk never met counts as a global reference', () => {
    const scopes = new Scopes(program('const Array = 1;'));
    const stranger = program('Array;').body[0] as acorn.ExpressionStatement;
    expect(scopes.isGlobalRef(stranger.expression as acorn.Identifier)).toBe(true);
    expect(scopes.bindingOf(stranger.expression as acorn.Identifier)).toBeNull();
  });
  it('resolves a chain deeper than recursion allows the other walkers (no stack overflow here)', () => {
    // acorn parses `a + a + …` recursively up to ~5,000 terms; the resolver must not be the weaker link.
    const code = `const a = 1;\nreturn a${' + a'.repeat(4_000)};`;
    const ast = program(code);
    const scopes = new Scopes(ast);
    // Collected with a loop: acorn-walk's recursive walk itself overflows on this tree.
    const ids: acorn.Identifier[] = [ast.body[0]!.type === 'VariableDeclaration' ? (ast.body[0].declarations[0]!.id as acorn.Identifier) : fail()];
    const todo: acorn.Node[] = [(ast.body[1] as acorn.ReturnStatement).argument!];
    for (let n = todo.pop(); n; n = todo.pop()) {
      if (n.type === 'BinaryExpression') todo.push((n as acorn.BinaryExpression).right, (n as acorn.BinaryExpression).left);
      else ids.push(n as acorn.Identifier);
    }
    expect(ids).toHaveLength(4_002);
    expect(ids.slice(1).every((id) => scopes.bindingOf(id) === ids[0])).toBe(true);
  });
});

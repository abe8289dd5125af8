// The script's lexical scopes, resolved once: every identifier is a declaration, a reference to one of the
// script's own bindings, or a reference to a global (DESIGN §3: a bare identifier is a local binding or a listed
// global, nothing else). One walk keeps, for each name, the stack of its declarations in the scopes open at that
// point, so each identifier resolves in O(1) however deep the nesting (issue 8: looking names up through every
// ancestor stalled the event loop for seconds), and each scope opens exactly where the language opens it
// (issue 8: names declared in a `case` counted as local in the `switch`'s own discriminant).
import type * as acorn from 'acorn';
import { base } from 'acorn-walk';
import { declaredIn, patternNames } from './ast-utils.js';

/** acorn-walk's continuation; `how` says how to walk the node ('Pattern', 'Expression', 'Statement', …). */
type Walk = (node: acorn.Node, state: null, how?: string) => void;
type BaseVisit = (node: acorn.Node, state: null, c: Walk) => void;
// acorn-walk types each entry by its own node type; each is only ever called with a node of that type.
const BASE = base as unknown as Readonly<Record<string, BaseVisit>>;

/** One step of the walk: a node to walk (as `how`), or a scope to open or close around the steps between. */
type Step = { node: acorn.Node; how: string | undefined } | { open: readonly acorn.Identifier[] } | { close: readonly acorn.Identifier[] };
/** What a node's walk does, in order. Most nodes: walk their children (acorn-walk's base knows them). */
type Visit<N> = (node: N, steps: Step[]) => void;

const walk = (steps: Step[], node: acorn.Node | null | undefined, how?: string): void => {
  if (node) steps.push({ node, how });
};
/** A node's children as acorn-walk's base walker lists them (it knows every node type acorn produces). */
function children(node: acorn.Node, steps: Step[], type = node.type): void {
  const visit = Object.hasOwn(BASE, type) ? BASE[type] : undefined;
  if (!visit) throw new Error(`scope: no walker for ${type}`); // acorn-walk has one for every node acorn makes
  visit(node, null, (child, _, how) => walk(steps, child, how));
}
const scoped = (steps: Step[], ids: readonly acorn.Identifier[], inside: () => void): void => {
  steps.push({ open: ids });
  inside();
  steps.push({ close: ids });
};

// var, function and class are refused by the validator; declaredIn scopes them to their block (narrower than the
// language's function scope for var), which can only make a name global where it is local: more checks, never fewer.

/** What a `for` head declares (`for (let i …`, `for (const x of …`); nothing when it assigns existing names. */
const headOf = (node: acorn.Node | null | undefined): acorn.Identifier[] => (node?.type === 'VariableDeclaration' ? declaredIn([node]) : []);

class Resolver {
  readonly declarations = new Set<acorn.Identifier>();
  /** Each reference to a script binding → the identifier that declares it. */
  readonly bindings = new Map<acorn.Identifier, acorn.Identifier>();
  /** For each name, its declarations in the scopes open now, innermost last. A Map: no name is inherited. */
  private readonly inScope = new Map<string, acorn.Identifier[]>();

  /** Opens a scope declaring `ids`: all of them, from its first token on (let and const hoist, in their TDZ). */
  open(ids: readonly acorn.Identifier[]): void {
    for (const id of ids) {
      this.declarations.add(id);
      const stack = this.inScope.get(id.name);
      if (stack) stack.push(id);
      else this.inScope.set(id.name, [id]);
    }
  }

  close(ids: readonly acorn.Identifier[]): void {
    for (const id of ids) this.inScope.get(id.name)!.pop();
  }

  patternName(id: acorn.Identifier): void {
    if (!this.declarations.has(id)) this.reference(id);
  }

  reference(id: acorn.Identifier): void {
    const stack = this.inScope.get(id.name);
    const binding = stack?.[stack.length - 1];
    if (binding) this.bindings.set(id, binding);
  }
}

/** The nodes that open scopes, each with the language's rule for where its names are visible. */
const block: Visit<acorn.Program | acorn.BlockStatement | acorn.StaticBlock> = (node, steps) =>
  scoped(steps, declaredIn(node.body), () => children(node, steps));
const forHead: Visit<acorn.ForStatement | acorn.ForInStatement | acorn.ForOfStatement> = (node, steps) =>
  // `for (let i = 0; test; update) body`: test, update and body see the head's bindings (a copy per iteration).
  // `for (const x of expr)`: expr runs where the head's names already exist, in their TDZ, so
  // `for (const Math of Math)` reads no global.
  scoped(steps, headOf(node.type === 'ForStatement' ? node.init : node.left), () => children(node, steps));
const fn: Visit<acorn.Function> = (node, steps) => {
  // A function expression's own name is visible inside it only. The parameters (with their defaults) are a
  // scope of their own and the body block another inside it, so a default never sees the body's declarations:
  // in `(a = x) => { const x = 1; }` the default reads the outer x.
  const own = node.type === 'FunctionExpression' && node.id ? [node.id] : [];
  scoped(steps, own, () =>
    scoped(
      steps,
      node.params.flatMap((p) => patternNames(p)),
      () => {
        if (node.type === 'FunctionDeclaration') walk(steps, node.id, 'Pattern');
        for (const p of node.params) walk(steps, p, 'Pattern');
        walk(steps, node.body, node.expression ? 'Expression' : 'Statement');
      },
    ),
  );
};

const SCOPES: ReadonlyMap<string, Visit<never>> = new Map<string, Visit<never>>([
  ['Program', block],
  ['BlockStatement', block],
  ['StaticBlock', block],
  [
    'SwitchStatement',
    ((node, steps) => {
      // The discriminant is evaluated before the case block exists: in
      // `switch (typeof BigInt) { default: const BigInt = 0; }` it reads the global. Case tests are inside.
      walk(steps, node.discriminant, 'Expression');
      const declared: acorn.Identifier[] = [];
      for (const cs of node.cases) declaredIn(cs.consequent, declared);
      scoped(steps, declared, () => node.cases.forEach((cs) => walk(steps, cs)));
    }) satisfies Visit<acorn.SwitchStatement>,
  ],
  ['ForStatement', forHead],
  ['ForInStatement', forHead],
  ['ForOfStatement', forHead],
  ['Function', fn],
  // The catch parameter is a scope; the block opens another inside it (redeclaring the parameter is an error).
  ['CatchClause', ((node, steps) => scoped(steps, patternNames(node.param), () => children(node, steps))) satisfies Visit<acorn.CatchClause>],
  // A class expression's name is visible inside the class only. (Classes are refused; this keeps the names they
  // declare from being reported as unknown globals on top of that.)
  [
    'Class',
    ((node, steps) =>
      scoped(steps, node.type === 'ClassExpression' && node.id ? [node.id] : [], () => {
        walk(steps, node.superClass, 'Expression');
        walk(steps, node.body);
      })) satisfies Visit<acorn.Class>,
  ],
]);

/** How to walk `node` asked to be walked as `how`: acorn-walk's pass-through names resolved here, saving a step. */
function kindOf(node: acorn.Node, how: string | undefined): string {
  if (how === undefined || how === 'Expression' || how === 'Statement' || how === 'MemberPattern') return node.type;
  if (how === 'Pattern') return node.type === 'Identifier' ? 'VariablePattern' : node.type;
  return how;
}

/**
 * Runs the steps of the walk in order. An explicit stack rather than recursion: a 4,000-deep `a + a + …` the
 * parser accepts must not overflow here first.
 */
function resolve(program: acorn.Program, r: Resolver): void {
  const todo: Step[] = [{ node: program, how: undefined }];
  const steps: Step[] = [];
  for (let step = todo.pop(); step !== undefined; step = todo.pop()) {
    if ('open' in step) r.open(step.open);
    else if ('close' in step) r.close(step.close);
    else {
      const type = kindOf(step.node, step.how);
      // A name read, or written by `x = …` / `for (x of …)`.
      if (type === 'Identifier') r.reference(step.node as acorn.Identifier);
      // A name in a pattern: a declaration its scope registered, or an assignment target (`[a, b] = pair`).
      else if (type === 'VariablePattern') r.patternName(step.node as acorn.Identifier);
      else {
        const visit = SCOPES.get(type);
        if (visit) visit(step.node as never, steps);
        else children(step.node, steps, type);
        for (let i = steps.length - 1; i >= 0; i--) todo.push(steps[i]!);
        steps.length = 0;
      }
    }
  }
}

/** The resolved scopes of one program. Built once, shared by the validator and the transform. */
export class Scopes {
  private readonly declarations: ReadonlySet<acorn.Identifier>;
  private readonly bindings: ReadonlyMap<acorn.Identifier, acorn.Identifier>;

  constructor(program: acorn.Program) {
    const r = new Resolver();
    resolve(program, r);
    this.declarations = r.declarations;
    this.bindings = r.bindings;
  }

  /** Whether `id` declares a binding: a const/let name, a parameter, a catch parameter… */
  isDeclaration(id: acorn.Identifier): boolean {
    return this.declarations.has(id);
  }

  /**
   * Whether `id` is a reference that no binding of the script declares: a global. Fails closed: an identifier
   * the walk did not prove a declaration or a local reference counts as global, so every check applies to it.
   */
  isGlobalRef(id: acorn.Identifier): boolean {
    return !this.declarations.has(id) && !this.bindings.has(id);
  }

  /** The identifier that declares the binding `id` refers to; null for a global or a declaration. */
  bindingOf(id: acorn.Identifier): acorn.Identifier | null {
    return this.bindings.get(id) ?? null;
  }
}

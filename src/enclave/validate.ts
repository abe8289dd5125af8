// Stage 2: the AgentScript allowlist (DESIGN §3), interpreting the tables of policy.ts over acorn's AST.
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import type { Issue } from './errors.js';
import type { SecurityLevel } from './levels.js';
import { memberName, patternTargets, position, rootIdentifier, staticString } from './ast-utils.js';
import { Scopes } from './scope.js';
import { BLOCKED_GLOBALS, BLOCKED_PROPERTIES, GLOBALS, LEVEL_RULES, NEW_ALLOWED, NODE_RULES, REGEX_METHODS, RESERVED_PREFIX, levelAllows } from './policy.js';
import { regexRisk } from './regex-safety.js';

const MAX_ISSUES = 20;
/**
 * Blocks, loops, catch clauses, switches, try statements and functions per script, at most. QuickJS numbers the
 * scopes of one function with 16 bits: past 65,535 it resolves names to the wrong variables (measured: a 1 MB
 * script of nested blocks read `let s` as another, uninitialized binding). With the scopes the transform adds,
 * QuickJS opens at most 2.3 per one counted here (a loop body without a block); 10,000 keeps every shape clear
 * of that bound (test/security/scope-limit.test.ts), and a realistic script opens a few hundred.
 */
export const MAX_SCOPES = 10_000;
const SCOPE_NODES: ReadonlySet<string> = new Set([
  'BlockStatement',
  'StaticBlock',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'SwitchStatement',
  'TryStatement',
  'CatchClause',
  'ArrowFunctionExpression',
  'FunctionExpression',
  'FunctionDeclaration',
  'ClassExpression',
  'ClassDeclaration',
]);
const ASCII_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface ValidateOptions {
  level: SecurityLevel;
  /** Names of extra globals the host provides (Enclave `globals`). */
  extraGlobals?: ReadonlySet<string>;
  /** The program's resolved scopes, shared with the transform so both read names the same way (built here if absent). */
  scopes?: Scopes;
}

type Report = (node: acorn.Node, rule: string, message: string) => void;
interface Context {
  level: SecurityLevel;
  scopes: Scopes;
  extraGlobals: ReadonlySet<string>;
  report: Report;
}

/** A global the script may use: listed in GLOBALS or given by the host. Own entries only (Map and Set). */
const isKnownGlobal = (ctx: Context, name: string): boolean => GLOBALS.has(name) || ctx.extraGlobals.has(name);
const isGlobalRef = (ctx: Context, id: acorn.Identifier | null): id is acorn.Identifier => id !== null && ctx.scopes.isGlobalRef(id);

function checkIdentifier(ctx: Context, node: acorn.Identifier): void {
  const { name } = node;
  if (!ASCII_IDENTIFIER.test(name)) {
    // Homoglyphs: a Cyrillic `с` makes `сallTool` a different name that reads the same.
    ctx.report(node, 'ascii-identifiers', `The name \`${name}\` contains non-ASCII characters. Use plain ASCII names.`);
    return;
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    ctx.report(node, 'reserved-name', `Names starting with \`${RESERVED_PREFIX}\` are reserved for the sandbox. Rename \`${name}\`.`);
    return;
  }
  const blocked = BLOCKED_GLOBALS.get(name);
  if (ctx.scopes.isDeclaration(node)) {
    if (blocked) ctx.report(node, 'blocked-name', `\`${name}\` cannot be used as a variable name (it ${blocked.reason}). Choose another name.`);
    return;
  }
  // A reference: to a binding of the script, or else to a global that must be listed (or given by the host).
  if (!ctx.scopes.isGlobalRef(node) || isKnownGlobal(ctx, name)) return;
  if (blocked) {
    ctx.report(node, 'blocked-global', `\`${name}\` is not available: it ${blocked.reason}. ${blocked.instead}.`);
  } else {
    ctx.report(
      node,
      'unknown-global',
      `\`${name}\` is not defined. Declare it with const or let, or use one of the AgentScript globals (Math, JSON, Object, Array, callTool, parallel, console, …).`,
    );
  }
}

function checkPropertyName(ctx: Context, node: acorn.Node, name: string | null): void {
  if (name !== null && BLOCKED_PROPERTIES.has(name)) {
    ctx.report(
      node,
      'blocked-property',
      `The property \`${name}\` is not allowed (it leads to constructors and prototypes). Work with the data itself, e.g. Object.keys(obj).`,
    );
  }
}

function checkMember(ctx: Context, node: acorn.MemberExpression): void {
  const name = memberName(node);
  checkPropertyName(ctx, node.property, name);
  const obj = node.object;
  if (obj.type !== 'Identifier' || !isGlobalRef(ctx, obj)) return;
  const members = GLOBALS.get(obj.name);
  if (members === undefined || members === null) return;
  if (name === null) {
    ctx.report(
      node,
      'computed-global-member',
      `Computed access on \`${obj.name}\` is not allowed. Name the member directly, e.g. ${obj.name}.${[...members][0] ?? 'x'}.`,
    );
  } else if (!members.has(name)) {
    const allowed = [...members].join(', ') || 'none';
    ctx.report(node.property, 'blocked-global-member', `\`${obj.name}.${name}\` is not available. Allowed members of ${obj.name}: ${allowed}.`);
  }
}

function checkAssignmentTarget(ctx: Context, target: acorn.Node, operator: string): void {
  // `({ m: Math.max } = v)` writes to a global's member as surely as `Math.max = v.m`. Names that are not known
  // globals (`constructor = 1`, `__proto__.x = 1`) are already refused where they are read as identifiers.
  const ids = patternTargets(target.type === 'ChainExpression' ? (target as acorn.ChainExpression).expression : target).map((t) =>
    t.type === 'Identifier' ? t : rootIdentifier(t),
  );
  for (const id of ids) {
    if (isGlobalRef(ctx, id) && isKnownGlobal(ctx, id.name)) {
      ctx.report(target, 'assign-global', `\`${operator}\` may not change the global \`${id.name}\`. Declare a local with const or let and change that.`);
    }
  }
}

/** Where an arrow may stand: a call argument, or (where the level allows it) `const name = (…) => …`. */
function checkArrow(ctx: Context, node: acorn.ArrowFunctionExpression, ancestors: readonly acorn.Node[]): void {
  const parent = ancestors[ancestors.length - 2] as acorn.AnyNode | undefined;
  // An arrow under a call is its callee or one of its arguments: no search through `arguments` (which made
  // `f(() => 0, () => 0, …)` quadratic).
  if (parent && (parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.callee !== node) return;
  const rule = LEVEL_RULES.constArrow;
  const allowsConst = levelAllows(ctx.level, 'constArrow');
  const declaration = ancestors[ancestors.length - 3] as acorn.AnyNode | undefined;
  if (
    allowsConst &&
    parent?.type === 'VariableDeclarator' &&
    parent.init === node &&
    parent.id.type === 'Identifier' &&
    declaration?.type === 'VariableDeclaration' &&
    declaration.kind === 'const'
  )
    return;
  const where = allowsConst ? 'a call argument or `const name = (…) => …`' : `only a call argument (${rule.refused} is allowed from ${rule.from} up)`;
  ctx.report(node, rule.rule, `At ${ctx.level} an arrow function may be ${where}. ${rule.instead}.`);
}

/** `callTool` needs a tool name, a literal one below the level that allows computed names. */
function checkToolName(ctx: Context, node: acorn.CallExpression): void {
  const callee = node.callee;
  if (callee.type !== 'Identifier' || callee.name !== 'callTool' || !ctx.scopes.isGlobalRef(callee)) return;
  const first = node.arguments[0];
  const rule = LEVEL_RULES.dynamicToolName;
  if (!first) ctx.report(node, 'tool-name-missing', "callTool needs a tool name: await callTool('server:tool', { ...args }).");
  else if (staticString(first) === null && !levelAllows(ctx.level, 'dynamicToolName')) {
    ctx.report(first, rule.rule, `At ${ctx.level} the tool name must be a string literal (computed names are allowed from ${rule.from} up). ${rule.instead}.`);
  }
}

/** `.match()`, `.replace()` and the like compile a regular expression from a string: where the level allows none. */
function checkRegexMethod(ctx: Context, node: acorn.CallExpression): void {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || levelAllows(ctx.level, 'regex')) return;
  const name = memberName(callee);
  if (name === null || !REGEX_METHODS.has(name)) return;
  const rule = LEVEL_RULES.regex;
  ctx.report(
    callee.property,
    rule.rule,
    `\`.${name}()\` compiles a regular expression, which is not available at ${ctx.level} (allowed from ${rule.from} up). ${rule.instead}.`,
  );
}

function checkRegex(ctx: Context, node: acorn.Literal): void {
  const regex = node.regex;
  if (!regex) return;
  const rule = LEVEL_RULES.regex;
  if (!levelAllows(ctx.level, 'regex')) {
    ctx.report(node, rule.rule, `Regular expressions are not available at ${ctx.level} (allowed from ${rule.from} up). ${rule.instead}.`);
    return;
  }
  const risk = regexRisk(regex.pattern, regex.flags);
  if (risk) ctx.report(node, 'unsafe-regex', `This regular expression risks catastrophic backtracking: ${risk}. Simplify it, or split the text first.`);
}

type NodeOf<T extends acorn.AnyNode['type']> = Extract<acorn.AnyNode, { type: T }>;
/** A rule as data: a node it `breaks` is reported, at the node, with this rule id and message. */
interface Rule<N> {
  rule: string;
  breaks: (node: N) => boolean;
  message: string;
}
/** A rule as data, or a check that reports what it finds itself (several rules, or a message built from the node). */
type Check<N> = Rule<N> | ((ctx: Context, node: N, ancestors: readonly acorn.Node[]) => void);

const NO_LABEL: Rule<acorn.BreakStatement | acorn.ContinueStatement> = {
  rule: 'no-label',
  breaks: (node) => Boolean(node.label),
  message: 'Labels are not allowed. Use a flag variable or split the loop.',
};

/**
 * The checks of each node type NODE_RULES allows (policy.ts), run in this order on every such node; a type without an
 * entry needs none. A new rule is a new entry here, not a new branch in the engine (DESIGN §8).
 */
const NODE_CHECKS: { readonly [T in acorn.AnyNode['type']]?: readonly Check<NodeOf<T>>[] } = {
  // Homoglyph names (ascii-identifiers), the sandbox's own names (reserved-name), blocked and unknown globals, the
  // way to host objects (blocked-name, blocked-global, unknown-global).
  Identifier: [checkIdentifier],
  // AgentScript declares with const and let only (DESIGN §3): `var` hoists out of its block.
  VariableDeclaration: [{ rule: 'no-var', breaks: (node) => node.kind === 'var', message: '`var` is not allowed. Use const or let.' }],
  // Prototype and constructor walks (blocked-property); members of a global that are not listed, or not named
  // (blocked-global-member, computed-global-member).
  MemberExpression: [checkMember],
  // acorn-walk does not visit pattern properties as nodes: `const { constructor: c } = fn` is checked here.
  ObjectPattern: [
    (ctx, node) => {
      for (const prop of node.properties) if (prop.type === 'Property') checkPropertyName(ctx, prop.key, staticString(prop.key, prop.computed));
    },
  ],
  // Code that runs on a read or is a function in disguise (no-accessor, no-method); `{ __proto__: x }` (blocked-property).
  Property: [
    { rule: 'no-accessor', breaks: (node) => node.kind !== 'init', message: 'Getters and setters are not allowed. Store plain values in the object.' },
    {
      rule: 'no-method',
      breaks: (node) => node.kind === 'init' && node.method,
      message: 'Object methods are not allowed. Store data in objects; pass arrow functions as call arguments.',
    },
    (ctx, node) => checkPropertyName(ctx, node.key, staticString(node.key, node.computed)),
  ],
  // Results must be JSON (no-bigint); regular expressions by level, and none that backtracks catastrophically (ReDoS).
  Literal: [
    {
      rule: 'no-bigint',
      breaks: (node) => node.bigint !== undefined,
      message: 'BigInt literals are not allowed (results must be JSON). Use Number, or a string of digits.',
    },
    checkRegex,
  ],
  // An arrow is a call argument; bound to a const only from the level that allows it (LEVEL_RULES.constArrow).
  ArrowFunctionExpression: [checkArrow],
  CallExpression: [checkToolName, checkRegexMethod],
  // `new` only for the constructors DESIGN §3 lists: no other (`new Function(…)` builds code from text).
  NewExpression: [
    {
      rule: 'no-new',
      breaks: (node) => node.callee.type !== 'Identifier' || !NEW_ALLOWED.has(node.callee.name),
      message: '`new` is allowed only for Error, Date, Map, Set and Array. Use a plain object or a function call instead.',
    },
  ],
  // A script changes its own bindings, never a global or a global's members (`JSON.parse = …`): assign-global.
  AssignmentExpression: [(ctx, node) => checkAssignmentTarget(ctx, node.left, node.operator)],
  UpdateExpression: [(ctx, node) => checkAssignmentTarget(ctx, node.argument, node.operator)],
  UnaryExpression: [
    (ctx, node) => {
      if (node.operator === 'delete') checkAssignmentTarget(ctx, node.argument, 'delete');
    },
  ],
  ForOfStatement: [
    (ctx, node) => {
      if (node.left.type !== 'VariableDeclaration') checkAssignmentTarget(ctx, node.left, 'for…of');
    },
  ],
  // No labels (DESIGN §3).
  BreakStatement: [NO_LABEL],
  ContinueStatement: [NO_LABEL],
};

/** The engine: the node's checks from NODE_CHECKS, in order. The node type itself was already allowed by NODE_RULES. */
function checkNode(ctx: Context, node: acorn.AnyNode, ancestors: readonly acorn.Node[]): void {
  // Indexed by the node's own type, each entry takes that type's node: the one cast TypeScript cannot follow.
  const checks = NODE_CHECKS[node.type] as readonly Check<acorn.AnyNode>[] | undefined;
  if (!checks) return;
  for (const check of checks) {
    if (typeof check === 'function') check(ctx, node, ancestors);
    else if (check.breaks(node)) ctx.report(node, check.rule, check.message);
  }
}

/** Stage 2. Returns every rule the program breaks (at most MAX_ISSUES), in source order. */
export function validateAst(program: acorn.Program, options: ValidateOptions): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const report: Report = (node, rule, message) => {
    const pos = position(node);
    const key = `${pos.line}:${pos.column}:${rule}`;
    if (issues.length >= MAX_ISSUES || seen.has(key)) return;
    seen.add(key);
    issues.push({ rule, message, ...pos });
  };
  const ctx: Context = { level: options.level, scopes: options.scopes ?? new Scopes(program), extraGlobals: options.extraGlobals ?? new Set(), report };
  let scopes = 0;
  fullAncestor(program, (n, _state, ancestors) => {
    const node = n as acorn.AnyNode;
    if (SCOPE_NODES.has(node.type) && ++scopes === MAX_SCOPES + 1) {
      report(
        node,
        'too-many-blocks',
        `The script opens more than ${MAX_SCOPES.toLocaleString('en-US')} blocks, loops and functions. Loop over data instead of repeating code.`,
      );
    }
    const verdict = NODE_RULES.get(node.type);
    if (verdict === undefined)
      report(node, 'unsupported-syntax', `\`${node.type}\` syntax is not part of AgentScript. Rewrite it with plain statements and expressions.`);
    else if (verdict !== true) report(node, verdict.rule, verdict.message);
    else checkNode(ctx, node, ancestors);
  });
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

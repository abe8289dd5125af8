// Stage 2: the AgentScript allowlist (DESIGN §3), interpreting the tables of policy.ts over acorn's AST.
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import type { Issue } from './errors.js';
import type { SecurityLevel } from './levels.js';
import { memberName, patternTargets, position, rootIdentifier, staticString } from './ast-utils.js';
import { Scopes } from './scope.js';
import { BLOCKED_GLOBALS, BLOCKED_PROPERTIES, GLOBALS, NEW_ALLOWED, NODE_RULES, REGEX_METHODS, RESERVED_PREFIX, atLeast } from './policy.js';
import { regexRisk } from './regex-safety.js';

const MAX_ISSUES = 20;
const ASCII_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface ValidateOptions {
  level: SecurityLevel;
  /** Names of extra globals the host provides (Enclave `globals`). */
  extraGlobals?: ReadonlySet<string>;
  /** Shared with the transform, so both read scopes the same way (and compute them once). */
  scopes?: Scopes;
}

type Report = (node: acorn.Node, rule: string, message: string) => void;
interface Context {
  level: SecurityLevel;
  scopes: Scopes;
  /** Ancestors of the node being checked (itself last): where names are looked up. */
  ancestors: acorn.Node[];
  extraGlobals: ReadonlySet<string>;
  report: Report;
}

const isLocal = (ctx: Context, name: string): boolean => ctx.scopes.isLocal(name, ctx.ancestors);
const isGlobalRef = (ctx: Context, id: acorn.Identifier | null): id is acorn.Identifier => id !== null && !isLocal(ctx, id.name);

function checkIdentifier(ctx: Context, node: acorn.Identifier, binding: boolean): void {
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
  const reason = BLOCKED_GLOBALS[name];
  if (binding) {
    if (reason !== undefined) ctx.report(node, 'blocked-name', `\`${name}\` cannot be used as a variable name (it ${reason}). Choose another name.`);
    return;
  }
  if (isLocal(ctx, name) || name in GLOBALS || ctx.extraGlobals.has(name)) return;
  if (reason !== undefined) {
    ctx.report(node, 'blocked-global', `\`${name}\` is not available: it ${reason}. Use callTool("server:tool", args) to reach other systems.`);
  } else {
    ctx.report(node, 'unknown-global', `\`${name}\` is not defined. Declare it with const or let, or use one of the AgentScript globals (Math, JSON, Object, Array, callTool, parallel, console, …).`);
  }
}

function checkPropertyName(ctx: Context, node: acorn.Node, name: string | null): void {
  if (name !== null && BLOCKED_PROPERTIES.has(name)) {
    ctx.report(node, 'blocked-property', `The property \`${name}\` is not allowed (it leads to constructors and prototypes). Work with the data itself, e.g. Object.keys(obj).`);
  }
}

function checkMember(ctx: Context, node: acorn.MemberExpression): void {
  const name = memberName(node);
  checkPropertyName(ctx, node.property, name);
  const obj = node.object;
  if (obj.type !== 'Identifier' || !isGlobalRef(ctx, obj)) return;
  const members = GLOBALS[obj.name];
  if (members === undefined || members === null) return;
  if (name === null) {
    ctx.report(node, 'computed-global-member', `Computed access on \`${obj.name}\` is not allowed. Name the member directly, e.g. ${obj.name}.${[...members][0] ?? 'x'}.`);
  } else if (!members.has(name)) {
    const allowed = [...members].join(', ') || 'none';
    ctx.report(node.property, 'blocked-global-member', `\`${obj.name}.${name}\` is not available. Allowed members of ${obj.name}: ${allowed}.`);
  }
}

function checkAssignmentTarget(ctx: Context, target: acorn.Node, operator: string): void {
  // `({ m: Math.max } = v)` writes to a global's member as surely as `Math.max = v.m`.
  const ids = patternTargets(target.type === 'ChainExpression' ? (target as acorn.ChainExpression).expression : target).map((t) => (t.type === 'Identifier' ? t : rootIdentifier(t)));
  for (const id of ids) {
    if (isGlobalRef(ctx, id) && !id.name.startsWith(RESERVED_PREFIX)) {
      ctx.report(target, 'assign-global', `\`${operator}\` may not change the global \`${id.name}\`. Declare a local with const or let and change that.`);
    }
  }
}

function checkArrow(ctx: Context, node: acorn.ArrowFunctionExpression, parent: acorn.AnyNode | undefined): void {
  if (parent && (parent.type === 'CallExpression' || parent.type === 'NewExpression') && parent.arguments.includes(node)) return;
  if (atLeast(ctx.level, 'STANDARD') && parent?.type === 'VariableDeclarator' && parent.init === node && parent.id.type === 'Identifier') return;
  const where = atLeast(ctx.level, 'STANDARD') ? 'as a call argument or as `const name = (…) => …`' : 'only as a call argument, e.g. items.map(x => x.id)';
  ctx.report(node, 'arrow-position', `Arrow functions are allowed ${where} at ${ctx.level}. Inline the logic, or pass the arrow to the call that uses it.`);
}

function checkCall(ctx: Context, node: acorn.CallExpression): void {
  const callee = node.callee;
  if (callee.type === 'Identifier' && callee.name === 'callTool' && !isLocal(ctx, 'callTool')) {
    const first = node.arguments[0];
    if (!first) ctx.report(node, 'tool-name-missing', "callTool needs a tool name: await callTool('server:tool', { ...args }).");
    else if (staticString(first) === null && !atLeast(ctx.level, 'SECURE')) {
      ctx.report(first, 'dynamic-tool-name', `At ${ctx.level} the tool name must be a string literal, e.g. callTool('server:tool', args). Write one call per tool (a switch works).`);
    }
  }
  if (callee.type === 'MemberExpression' && !atLeast(ctx.level, 'SECURE')) {
    const name = memberName(callee);
    if (name !== null && REGEX_METHODS.has(name)) {
      ctx.report(callee.property, 'no-regex', `\`.${name}()\` compiles a regular expression, which is not available at ${ctx.level}. Use includes, indexOf, startsWith or split.`);
    }
  }
}

/** Node-specific checks; the node type itself was already allowed by NODE_RULES. */
function checkNode(ctx: Context, node: acorn.AnyNode, parent: acorn.AnyNode | undefined, walkType: string): void {
  switch (node.type) {
    case 'Identifier': return checkIdentifier(ctx, node, walkType === 'VariablePattern');
    case 'VariableDeclaration':
      if (node.kind === 'var') ctx.report(node, 'no-var', '`var` is not allowed. Use const or let.');
      return;
    case 'MemberExpression': return checkMember(ctx, node);
    case 'ObjectPattern':
      // acorn-walk does not visit pattern properties as nodes: `const { constructor: c } = fn` is checked here.
      for (const prop of node.properties) if (prop.type === 'Property') checkPropertyName(ctx, prop.key, staticString(prop.key, prop.computed));
      return;
    case 'Property':
      if (node.kind !== 'init') ctx.report(node, 'no-accessor', 'Getters and setters are not allowed. Store plain values in the object.');
      else if (node.method) ctx.report(node, 'no-method', 'Object methods are not allowed. Store data in objects; pass arrow functions as call arguments.');
      checkPropertyName(ctx, node.key, staticString(node.key, node.computed));
      return;
    case 'Literal':
      if (node.bigint !== undefined) ctx.report(node, 'no-bigint', 'BigInt literals are not allowed (results must be JSON). Use Number, or a string of digits.');
      if (node.regex) {
        if (!atLeast(ctx.level, 'SECURE')) ctx.report(node, 'no-regex', `Regular expressions are not available at ${ctx.level}. Use includes, indexOf, startsWith or split.`);
        else {
          const risk = regexRisk(node.regex.pattern);
          if (risk) ctx.report(node, 'unsafe-regex', `This regular expression risks catastrophic backtracking: ${risk}. Simplify it, or split the text first.`);
        }
      }
      return;
    case 'ArrowFunctionExpression': return checkArrow(ctx, node, parent);
    case 'CallExpression': return checkCall(ctx, node);
    case 'NewExpression':
      if (node.callee.type !== 'Identifier' || !NEW_ALLOWED.has(node.callee.name)) {
        ctx.report(node, 'no-new', '`new` is allowed only for Error, Date, Map, Set and Array. Use a plain object or a function call instead.');
      }
      return;
    case 'AssignmentExpression': return checkAssignmentTarget(ctx, node.left, node.operator);
    case 'UpdateExpression': return checkAssignmentTarget(ctx, node.argument, node.operator);
    case 'UnaryExpression':
      if (node.operator === 'delete') checkAssignmentTarget(ctx, node.argument, 'delete');
      return;
    case 'ForOfStatement':
      if (node.left.type !== 'VariableDeclaration') checkAssignmentTarget(ctx, node.left, 'for…of');
      return;
    case 'BreakStatement':
    case 'ContinueStatement':
      if (node.label) ctx.report(node, 'no-label', 'Labels are not allowed. Use a flag variable or split the loop.');
      return;
    default:
      return;
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
  const ctx: Context = { level: options.level, scopes: options.scopes ?? new Scopes(), ancestors: [], extraGlobals: options.extraGlobals ?? new Set(), report };
  fullAncestor(program, (n, _state, ancestors, type) => {
    const node = n as acorn.AnyNode;
    ctx.ancestors = ancestors;
    const verdict = NODE_RULES[node.type];
    if (verdict === undefined) report(node, 'unsupported-syntax', `\`${node.type}\` syntax is not part of AgentScript. Rewrite it with plain statements and expressions.`);
    else if (verdict !== true) report(node, verdict.rule, verdict.message);
    else checkNode(ctx, node, ancestors[ancestors.length - 2] as acorn.AnyNode | undefined, type);
  });
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

// The AgentScript policy of DESIGN §3 as data. validate.ts interprets it; a node type, global or member
// that is not listed here is rejected. Each entry names the attack it stops.
import { SECURITY_LEVELS, type SecurityLevel } from './levels.js';

/** Prefix of every name the transform and the runtime inject; scripts may not use it. */
export const RESERVED_PREFIX = '__ag';

/** What some levels allow and lower ones refuse (DESIGN §3 "By level"): one row per construct. */
export interface LevelRule {
  /** The lowest level that allows it; every level above allows it too. */
  from: SecurityLevel;
  /** The validator's issue rule where a level refuses it. */
  rule: string;
  /** The construct as models write it: the description's "refused" entry and the validator's subject. */
  refused: string;
  /** The same construct in the description's "allowed" list. */
  allowed: string;
  /** What to write instead, as a sentence: ends the validator's message and the description's entry. */
  instead: string;
}

/**
 * The level table. validate.ts decides from it and src/mcp/description.ts tells the model from it, so what the
 * model is told a level refuses is what that level refuses (issue 8: the description said "regular expressions
 * at STRICT" even when serving SECURE).
 */
export const LEVEL_RULES = {
  // ReDoS: a backtracking pattern runs inside one native call that QuickJS polls for interrupts only coarsely
  // (DESIGN §2). From SECURE every pattern passes the ReDoS check (regex-safety.ts) first.
  regex: {
    from: 'SECURE',
    rule: 'no-regex',
    refused: 'regular expressions (/…/ literals, .match, .matchAll, .search)',
    allowed: 'regular expressions (refused when they risk catastrophic backtracking)',
    instead: 'Use includes, indexOf, startsWith, endsWith or split',
  },
  // A named arrow can call itself: recursion the reviewer cannot see at a glance and that spends the engine's
  // stack. An arrow passed as a call argument has no name to recurse through.
  constArrow: {
    from: 'STANDARD',
    rule: 'arrow-position',
    refused: 'a standalone `const f = (x) => …`',
    allowed: 'arrow functions bound to a const, `const f = (x) => …`',
    instead: 'Pass the arrow straight to the call that uses it, e.g. items.map((x) => x.id), or inline its body',
  },
  // A literal tool name shows a reviewer, the validator and the scorer every tool the script can reach; a name
  // computed at run time is checked only against the allowlist, when the call happens.
  dynamicToolName: {
    from: 'SECURE',
    rule: 'dynamic-tool-name',
    refused: 'a tool name computed at run time, `callTool(name, …)`',
    allowed: 'tool names computed at run time (checked against the allowlist when called)',
    instead: "Write each call with a literal name, callTool('server:tool', args); a switch picks between them",
  },
} as const satisfies Readonly<Record<string, LevelRule>>;

export type LevelFeature = keyof typeof LEVEL_RULES;
export type LevelRules = Readonly<Record<LevelFeature, LevelRule>>;

/** Whether `level` allows the construct of `rules[feature]` (SECURITY_LEVELS lists the levels in order). */
export function levelAllows(level: SecurityLevel, feature: LevelFeature, rules: LevelRules = LEVEL_RULES): boolean {
  return SECURITY_LEVELS.indexOf(level) >= SECURITY_LEVELS.indexOf(rules[feature].from);
}

export interface Block {
  rule: string;
  message: string;
}

/**
 * Every ESTree node type acorn can produce, with its verdict. `true`: allowed (a node-specific check in
 * validate.ts may still refine it). A Block: always rejected with that rule.
 */
export const NODE_RULES: ReadonlyMap<string, true | Block> = new Map(
  Object.entries({
    Program: true,
    ExpressionStatement: true,
    BlockStatement: true,
    EmptyStatement: true,
    VariableDeclaration: true,
    VariableDeclarator: true,
    Identifier: true,
    Literal: true,
    IfStatement: true,
    SwitchStatement: true,
    SwitchCase: true,
    ConditionalExpression: true,
    LogicalExpression: true,
    BinaryExpression: true,
    UnaryExpression: true,
    UpdateExpression: true,
    AssignmentExpression: true,
    AssignmentPattern: true,
    ArrayPattern: true,
    ObjectPattern: true,
    RestElement: true,
    SpreadElement: true,
    ArrayExpression: true,
    ObjectExpression: true,
    Property: true,
    TemplateLiteral: true,
    TemplateElement: true,
    ForStatement: true,
    ForOfStatement: true,
    BreakStatement: true,
    ContinueStatement: true,
    ReturnStatement: true,
    ThrowStatement: true,
    TryStatement: true,
    CatchClause: true,
    ArrowFunctionExpression: true,
    AwaitExpression: true,
    CallExpression: true,
    NewExpression: true,
    MemberExpression: true,
    ChainExpression: true,
    SequenceExpression: true,
    ParenthesizedExpression: true,
    // Runs code built from strings / reaches the enclosing realm.
    FunctionDeclaration: {
      rule: 'no-function',
      message: 'Function declarations are not allowed. Use an arrow function as a call argument, e.g. items.map(x => x.id).',
    },
    FunctionExpression: {
      rule: 'no-function',
      message: 'Function expressions are not allowed. Use an arrow function as a call argument, e.g. items.map(x => x.id).',
    },
    // Classes bring methods, getters, `super` and prototype manipulation.
    ClassDeclaration: { rule: 'no-class', message: 'Classes are not allowed. Use plain objects and arrow callbacks.' },
    ClassExpression: { rule: 'no-class', message: 'Classes are not allowed. Use plain objects and arrow callbacks.' },
    ClassBody: { rule: 'no-class', message: 'Classes are not allowed. Use plain objects.' },
    MethodDefinition: { rule: 'no-class', message: 'Methods are not allowed. Use plain objects.' },
    PropertyDefinition: { rule: 'no-class', message: 'Class fields are not allowed. Use plain objects.' },
    StaticBlock: { rule: 'no-class', message: 'Static blocks are not allowed. Use plain objects.' },
    PrivateIdentifier: { rule: 'no-class', message: 'Private names are not allowed. Use plain objects.' },
    Super: { rule: 'no-class', message: '`super` is not allowed. Use plain objects.' },
    // `this` reaches the global object in sloppy callbacks.
    ThisExpression: { rule: 'no-this', message: '`this` is not allowed. Refer to values by their variable names.' },
    // Unbounded loops the iteration guard cannot see the shape of; for..in walks prototype chains.
    WhileStatement: { rule: 'no-while', message: '`while` loops are not allowed. Use `for (let i = 0; i < n; i++)` or `for (const x of items)`.' },
    DoWhileStatement: { rule: 'no-while', message: '`do…while` loops are not allowed. Use `for (let i = 0; i < n; i++)` or `for (const x of items)`.' },
    ForInStatement: { rule: 'no-for-in', message: '`for…in` is not allowed (it walks inherited keys). Use `for (const key of Object.keys(obj))`.' },
    LabeledStatement: { rule: 'no-label', message: 'Labels are not allowed. Use a flag variable or split the loop.' },
    WithStatement: { rule: 'no-with', message: '`with` is not allowed. Refer to properties explicitly.' },
    DebuggerStatement: { rule: 'no-debugger', message: '`debugger` is not allowed. Remove it; use console.log to trace.' },
    // Generators suspend across the guards; yield is their only use.
    YieldExpression: { rule: 'no-generator', message: 'Generators are not allowed. Build an array and loop over it.' },
    TaggedTemplateExpression: {
      rule: 'no-tagged-template',
      message: 'Tagged templates are not allowed (a tag receives raw strings and can build code). Use an untagged template literal.',
    },
    ImportExpression: { rule: 'no-import', message: '`import()` is not allowed. Use callTool("server:tool", args) to reach other systems.' },
    ImportDeclaration: { rule: 'no-import', message: 'Imports are not allowed. Use callTool("server:tool", args) to reach other systems.' },
    ExportNamedDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
    ExportDefaultDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
    ExportAllDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
    MetaProperty: { rule: 'no-meta-property', message: '`import.meta` and `new.target` are not allowed.' },
  } satisfies Record<string, true | Block>),
);

/** Property names that lead to constructors, prototypes or accessor definition: the classic escape routes. */
export const BLOCKED_PROPERTIES: ReadonlySet<string> = new Set([
  'constructor',
  'prototype',
  '__proto__',
  'caller',
  'callee',
  'arguments',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/**
 * Every name `Object.prototype` provides, captured once at load. Tables here are Maps and Sets, so none of these
 * is ever a known global, a blocked-global reason or a member table by inheritance (issue 8: `constructor` was a
 * "known global" and `const O = constructor` reached Object; `__proto__.x = 1` polluted the sandbox's prototype).
 */
export const INHERITED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Globals a script may read, each with the members it may use (`null`: any member of the value is fine). */
export const GLOBALS: ReadonlyMap<string, ReadonlySet<string> | null> = new Map<string, ReadonlySet<string> | null>([
  ['Math', null],
  ['JSON', new Set(['parse', 'stringify'])],
  ['Array', new Set(['isArray', 'from', 'of'])],
  ['Object', new Set(['keys', 'values', 'entries', 'fromEntries', 'assign'])],
  ['String', new Set(['fromCharCode', 'fromCodePoint'])],
  [
    'Number',
    new Set([
      'isInteger',
      'isFinite',
      'isNaN',
      'isSafeInteger',
      'parseFloat',
      'parseInt',
      'MAX_SAFE_INTEGER',
      'MIN_SAFE_INTEGER',
      'EPSILON',
      'MAX_VALUE',
      'MIN_VALUE',
      'POSITIVE_INFINITY',
      'NEGATIVE_INFINITY',
      'NaN',
    ]),
  ],
  ['Boolean', new Set()],
  ['Date', new Set(['now', 'parse', 'UTC'])],
  ['Map', new Set()],
  ['Set', new Set()],
  ['Error', new Set()],
  ['Promise', new Set(['all', 'allSettled', 'race', 'any', 'resolve', 'reject'])],
  ['parseInt', null],
  ['parseFloat', null],
  ['isNaN', null],
  ['isFinite', null],
  ['encodeURIComponent', null],
  ['decodeURIComponent', null],
  ['console', new Set(['log', 'info', 'warn', 'error'])],
  ['callTool', null],
  ['parallel', null],
  ['undefined', null],
  ['NaN', null],
  ['Infinity', null],
]);

/** Constructors `new` may call. */
export const NEW_ALLOWED: ReadonlySet<string> = new Set(['Error', 'Date', 'Map', 'Set', 'Array']);

export interface BlockedGlobal {
  /** Why, read after "it": "`eval` is not available: it runs code built from strings." */
  reason: string;
  /** What to do instead, as a sentence. */
  instead: string;
}
const REACH_OUT = 'Use callTool("server:tool", args) to reach other systems';

/** Rows of `[reason, names, instead?]`: one reason for several names reads better than a line per name. */
const byReason = (rows: ReadonlyArray<readonly [string, readonly string[], string?]>): ReadonlyMap<string, BlockedGlobal> =>
  new Map(rows.flatMap(([reason, names, instead = REACH_OUT]) => names.map((name) => [name, { reason, instead }] as const)));

/** Names with a specific reason; using or declaring them is blocked. Anything else undeclared is unknown. */
export const BLOCKED_GLOBALS: ReadonlyMap<string, BlockedGlobal> = byReason([
  ['runs code built from strings', ['eval'], 'Write the code itself'],
  ['builds functions from strings', ['Function', 'AsyncFunction'], 'Pass an arrow function as a call argument'],
  ['reaches the global object', ['globalThis', 'window', 'self', 'global'], 'Name the global you need, e.g. Math.max'],
  ['exposes the caller', ['arguments'], 'Name the parameters of the arrow function'],
  ['is the host process', ['process']],
  ['loads host modules', ['require']],
  ['is the host module system', ['module', 'exports'], '`return` the result instead'],
  ['loads modules', ['import']],
  ['is a host API', ['Buffer', 'std', 'os', 'structuredClone']],
  ['intercepts object operations', ['Proxy'], 'Use plain objects'],
  ['reaches object internals', ['Reflect'], 'Use Object.keys, Object.values or Object.entries'],
  ['reaches iteration and coercion hooks', ['Symbol'], 'Use for…of and plain values'],
  ['observes garbage collection', ['WeakRef', 'FinalizationRegistry'], 'Use a Map'],
  ['shares memory', ['SharedArrayBuffer'], 'Use arrays'],
  ['blocks threads', ['Atomics'], 'Use arrays'],
  ['compiles code', ['WebAssembly']],
  ['is a timer', ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'], 'Await the tool calls; a script runs to completion'],
  ['schedules code', ['queueMicrotask'], 'Await the tool calls; a script runs to completion'],
  ['is a network API', ['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource']],
  ['is a storage API', ['localStorage', 'sessionStorage', 'indexedDB']],
  [
    'compiles patterns from strings',
    ['RegExp'],
    'Write the pattern as a /…/ literal where the level allows regular expressions, or use includes, indexOf or split',
  ],
  ['is deprecated', ['escape', 'unescape'], 'Use encodeURIComponent and decodeURIComponent'],
  ['starts threads', ['Worker'], 'Use parallel(items, fn) for concurrent tool calls'],
  // The global object inherits these from Object.prototype: bare `constructor` is Object (and
  // `constructor.constructor` is Function), and `__proto__.x = 1` writes to every object's prototype.
  // (The harmless inherited names, such as valueOf or toString, are merely unknown: a local may take them.)
  ["is the global object's inherited constructor (Object, then Function)", ['constructor'], 'Use your own variables and the listed globals'],
  ['is Object.prototype, shared by every object', ['__proto__'], 'Use your own variables and the listed globals'],
  ['defines accessors on the global object', ['__defineGetter__', '__defineSetter__'], 'Use your own variables and the listed globals'],
  ['reads accessors of the global object', ['__lookupGetter__', '__lookupSetter__'], 'Use your own variables and the listed globals'],
]);

/** String methods that compile a string argument into a regular expression. */
export const REGEX_METHODS: ReadonlySet<string> = new Set(['match', 'matchAll', 'search']);

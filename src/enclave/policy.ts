// The AgentScript policy of DESIGN §3 as data. validate.ts interprets it; a node type, global or member
// that is not listed here is rejected. Each entry names the attack it stops.
import type { SecurityLevel } from './levels.js';

/** Prefix of every name the transform and the runtime inject; scripts may not use it. */
export const RESERVED_PREFIX = '__ag';

const LEVEL_RANK: Record<SecurityLevel, number> = { STRICT: 0, SECURE: 1, STANDARD: 2, PERMISSIVE: 3 };
export const atLeast = (level: SecurityLevel, min: SecurityLevel): boolean => LEVEL_RANK[level] >= LEVEL_RANK[min];

export interface Block {
  rule: string;
  message: string;
}

/**
 * Every ESTree node type acorn can produce, with its verdict. `true`: allowed (a node-specific check in
 * validate.ts may still refine it). A Block: always rejected with that rule.
 */
export const NODE_RULES: Readonly<Record<string, true | Block>> = {
  Program: true, ExpressionStatement: true, BlockStatement: true, EmptyStatement: true,
  VariableDeclaration: true, VariableDeclarator: true, Identifier: true, Literal: true,
  IfStatement: true, SwitchStatement: true, SwitchCase: true, ConditionalExpression: true,
  LogicalExpression: true, BinaryExpression: true, UnaryExpression: true, UpdateExpression: true,
  AssignmentExpression: true, AssignmentPattern: true, ArrayPattern: true, ObjectPattern: true,
  RestElement: true, SpreadElement: true, ArrayExpression: true, ObjectExpression: true, Property: true,
  TemplateLiteral: true, TemplateElement: true, ForStatement: true, ForOfStatement: true,
  BreakStatement: true, ContinueStatement: true, ReturnStatement: true, ThrowStatement: true,
  TryStatement: true, CatchClause: true, ArrowFunctionExpression: true, AwaitExpression: true,
  CallExpression: true, NewExpression: true, MemberExpression: true, ChainExpression: true,
  SequenceExpression: true, ParenthesizedExpression: true,
  // Runs code built from strings / reaches the enclosing realm.
  FunctionDeclaration: { rule: 'no-function', message: 'Function declarations are not allowed. Use an arrow function as a call argument, e.g. items.map(x => x.id).' },
  FunctionExpression: { rule: 'no-function', message: 'Function expressions are not allowed. Use an arrow function as a call argument, e.g. items.map(x => x.id).' },
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
  TaggedTemplateExpression: { rule: 'no-tagged-template', message: 'Tagged templates are not allowed (a tag receives raw strings and can build code). Use an untagged template literal.' },
  ImportExpression: { rule: 'no-import', message: '`import()` is not allowed. Use callTool("server:tool", args) to reach other systems.' },
  ImportDeclaration: { rule: 'no-import', message: 'Imports are not allowed. Use callTool("server:tool", args) to reach other systems.' },
  ExportNamedDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
  ExportDefaultDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
  ExportAllDeclaration: { rule: 'no-import', message: 'Exports are not allowed. `return` the result instead.' },
  MetaProperty: { rule: 'no-meta-property', message: '`import.meta` and `new.target` are not allowed.' },
};

/** Property names that lead to constructors, prototypes or accessor definition: the classic escape routes. */
export const BLOCKED_PROPERTIES: ReadonlySet<string> = new Set([
  'constructor', 'prototype', '__proto__', 'caller', 'callee', 'arguments',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
]);

/** Globals a script may read, each with the members it may use (`null`: any member of the value is fine). */
export const GLOBALS: Readonly<Record<string, ReadonlySet<string> | null>> = {
  Math: null,
  JSON: new Set(['parse', 'stringify']),
  Array: new Set(['isArray', 'from', 'of']),
  Object: new Set(['keys', 'values', 'entries', 'fromEntries', 'assign']),
  String: new Set(['fromCharCode', 'fromCodePoint']),
  Number: new Set(['isInteger', 'isFinite', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt', 'MAX_SAFE_INTEGER', 'MIN_SAFE_INTEGER', 'EPSILON', 'MAX_VALUE', 'MIN_VALUE', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY', 'NaN']),
  Boolean: new Set([]),
  Date: new Set(['now', 'parse', 'UTC']),
  Map: new Set([]), Set: new Set([]), Error: new Set([]),
  Promise: new Set(['all', 'allSettled', 'race', 'any', 'resolve', 'reject']),
  parseInt: null, parseFloat: null, isNaN: null, isFinite: null,
  encodeURIComponent: null, decodeURIComponent: null,
  console: new Set(['log', 'info', 'warn', 'error']),
  callTool: null, parallel: null,
  undefined: null, NaN: null, Infinity: null,
};

/** Constructors `new` may call. */
export const NEW_ALLOWED: ReadonlySet<string> = new Set(['Error', 'Date', 'Map', 'Set', 'Array']);

/** Names with a specific reason; using or declaring them is blocked. Anything else undeclared is unknown. */
export const BLOCKED_GLOBALS: Readonly<Record<string, string>> = {
  eval: 'runs code built from strings',
  Function: 'builds functions from strings',
  AsyncFunction: 'builds functions from strings',
  globalThis: 'reaches the global object', window: 'reaches the global object', self: 'reaches the global object', global: 'reaches the global object',
  arguments: 'exposes the caller', process: 'is the host process', require: 'loads host modules', module: 'is the host module system',
  exports: 'is the host module system', import: 'loads modules', Buffer: 'is a host API',
  Proxy: 'intercepts object operations', Reflect: 'reaches object internals', Symbol: 'reaches iteration and coercion hooks',
  WeakRef: 'observes garbage collection', FinalizationRegistry: 'observes garbage collection',
  SharedArrayBuffer: 'shares memory', Atomics: 'blocks threads', WebAssembly: 'compiles code',
  setTimeout: 'is a timer', setInterval: 'is a timer', setImmediate: 'is a timer', clearTimeout: 'is a timer', clearInterval: 'is a timer', queueMicrotask: 'schedules code',
  fetch: 'is a network API', XMLHttpRequest: 'is a network API', WebSocket: 'is a network API', EventSource: 'is a network API',
  localStorage: 'is a storage API', sessionStorage: 'is a storage API', indexedDB: 'is a storage API',
  RegExp: 'compiles patterns from strings', escape: 'is deprecated', unescape: 'is deprecated',
  std: 'is a host API', os: 'is a host API', Worker: 'starts threads', structuredClone: 'is a host API',
};

/** String methods that compile a string argument into a regular expression. */
export const REGEX_METHODS: ReadonlySet<string> = new Set(['match', 'matchAll', 'search']);

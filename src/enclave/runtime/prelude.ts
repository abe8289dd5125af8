// The sandbox-side runtime: JavaScript evaluated inside each fresh QuickJS context before the script.
// It is trusted code (the validator does not apply to it) and defines the guards the transform calls,
// callTool / parallel / console, and JSON that cannot be driven into exponential or unbounded work.
// Built-ins it relies on are captured before any script runs (the script cannot reach prototypes to
// change them, but it can, for instance, pass a global object to Object.assign).
import { GUARD } from '../transform.js';
import { BLOCKED_PROPERTIES } from '../policy.js';

/** Host functions the worker installs as `__ag_host` before the prelude runs. */
export interface PreludeConfig {
  maxIterations: number;
  maxToolCalls: number;
  maxConcurrency: number;
  maxResultBytes: number;
  maxLogBytes: number;
  maxLogCalls: number;
  /** Largest string one operation may build, in characters. */
  maxStringLength: number;
  /** Largest array one operation may build, in elements. */
  maxArrayLength: number;
  /** Deepest JSON nesting that JSON.parse / stringify accept (the host stack is the real bound). */
  maxJsonDepth: number;
  /** Most values a JSON walk may visit: bounds shared-reference DAGs that stringify exponentially. */
  maxJsonNodes: number;
  deadline: number;
  globals: string; // JSON object of extra read-only globals
}

export const PRELUDE_FILE = 'agentscript-runtime.js';
export const SCRIPT_FILE = 'agentscript.js';

export const PRELUDE_SOURCE = String.raw`(function (host, cfgText) {
'use strict';
const G = globalThis;
const cfg = JSON.parse(cfgText);
const ObjectFreeze = Object.freeze, defineProperty = Object.defineProperty, objectKeys = Object.keys;
const getPrototypeOf = Object.getPrototypeOf, ObjectProto = Object.prototype, isArray = Array.isArray;
const apply = Reflect.apply, StringCtor = String, ErrorCtor = Error, TypeErrorCtor = TypeError;
const ArrayCtor = Array, MapCtor = Map, SetCtor = Set, WeakSetCtor = WeakSet, DateCtor = Date;
const jsonParse = JSON.parse, jsonStringify = JSON.stringify, now = Date.now;
const promiseAll = Promise.all.bind(Promise);
const BLOCKED = new SetCtor(${JSON.stringify([...BLOCKED_PROPERTIES])});
let iterations = 0, toolCalls = 0, logCalls = 0, dead = false;
const toolErrors = new WeakSetCtor();

// A limit ends the script: the host records it and interrupts QuickJS (uncatchably) at its next poll;
// until then every guard throws again, so a catch block cannot carry on.
const fatal = (code, message) => {
  dead = true;
  const e = new ErrorCtor(message);
  host.fatal(code, message, StringCtor(e.stack), iterations, toolCalls);
  throw e;
};
const stillAlive = () => { if (dead) fatal('CANCELLED', 'The script was stopped.'); };
const iter = () => {
  if (dead) stillAlive();
  if (++iterations > cfg.maxIterations) fatal('MAX_ITERATIONS', 'The script ran more than ' + cfg.maxIterations + ' loop iterations and callback calls (the limit for all loops together). Process fewer items, or filter before looping.');
  if ((iterations & 15) === 0 && now() > cfg.deadline) fatal('TIMEOUT', 'The script ran past its time limit. Do less work per script, or split it into several scripts.');
};
const key = (k) => {
  if (typeof k === 'number') return k;
  // Coerce once, so an object key cannot answer one string to the check and another to the access.
  const s = typeof k === 'string' ? k : typeof k === 'symbol' ? k : StringCtor(k);
  if (BLOCKED.has(s)) fatal('VALIDATION_ERROR', 'The computed property "' + s + '" is not allowed (it leads to constructors and prototypes). Access data properties only.');
  return s;
};
const size = (v) => {
  if (typeof v === 'string' && v.length > cfg.maxStringLength) tooBig('a string of ' + v.length + ' characters');
  return v;
};
const tooBig = (what) => fatal('MEMORY_LIMIT', 'The script built ' + what + ', beyond its memory budget (' + cfg.maxStringLength + ' characters, ' + cfg.maxArrayLength + ' array elements). Work on smaller pieces of data.');
const checkLength = (n) => { if (typeof n === 'number' && n > cfg.maxArrayLength) tooBig('an array of ' + n + ' elements'); };
const newArray = (...args) => {
  if (args.length === 1) { checkLength(args[0]); return new ArrayCtor(args[0]); }
  return ArrayCtor.of(...args);
};

// Growth of strings and arrays through built-ins, checked before (or right after) the native call.
const guardMethod = (proto, name, check) => {
  const original = proto[name];
  defineProperty(proto, name, { value: function (...args) { check(this, args); return size(apply(original, this, args)); }, writable: true, configurable: true, enumerable: false });
};
const strLen = (x) => (typeof x === 'string' ? x.length : 0);
guardMethod(StringCtor.prototype, 'repeat', (s, a) => { if (typeof a[0] === 'number' && StringCtor(s).length * a[0] > cfg.maxStringLength) tooBig('a string of ' + (StringCtor(s).length * a[0]) + ' characters with repeat()'); });
guardMethod(StringCtor.prototype, 'padStart', (s, a) => { if (typeof a[0] === 'number' && a[0] > cfg.maxStringLength) tooBig('a string of ' + a[0] + ' characters with padStart()'); });
guardMethod(StringCtor.prototype, 'padEnd', (s, a) => { if (typeof a[0] === 'number' && a[0] > cfg.maxStringLength) tooBig('a string of ' + a[0] + ' characters with padEnd()'); });
guardMethod(StringCtor.prototype, 'concat', (s, a) => { let n = StringCtor(s).length; for (const x of a) n += strLen(x); if (n > cfg.maxStringLength) tooBig('a string of ' + n + ' characters with concat()'); });
const requireRegExp = (s, a) => { if (typeof a[0] === 'string') throw new TypeErrorCtor('Pass a regular expression literal (e.g. /abc/) rather than a string: a string would be compiled as a pattern.'); };
for (const m of ['match', 'matchAll', 'search']) guardMethod(StringCtor.prototype, m, requireRegExp);
const arrayGrowth = (arr, a) => {
  let n = arr.length;
  for (const x of a) n += isArray(x) ? x.length : 1;
  if (n > cfg.maxArrayLength) tooBig('an array of ' + n + ' elements with concat()');
};
guardMethod(ArrayCtor.prototype, 'concat', arrayGrowth);
guardMethod(ArrayCtor.prototype, 'join', () => {});
guardMethod(ArrayCtor.prototype, 'fill', (arr) => checkLength(arr.length));
const arrayFrom = ArrayCtor.from;
defineProperty(ArrayCtor, 'from', { value: (src, fn) => { if (src !== null && typeof src === 'object' && !isArray(src)) checkLength(src.length); return fn === undefined ? apply(arrayFrom, ArrayCtor, [src]) : apply(arrayFrom, ArrayCtor, [src, fn]); }, writable: true, configurable: true });

// JSON that refuses what would stall or crash the engine: deep nesting (host stack), shared-reference
// DAGs (exponential output), cycles and non-data values (the result must be JSON).
const describe = (v) => typeof v === 'function' ? 'a function' : typeof v === 'bigint' ? 'a BigInt' : typeof v === 'symbol' ? 'a symbol' : v instanceof MapCtor ? 'a Map (use Object.fromEntries(map))' : v instanceof SetCtor ? 'a Set (use [...set])' : 'not JSON';
const exitMarker = ObjectFreeze({});
// The path of an entry, built only when an error names it (building it for every node is the cost).
const pathOf = (entry) => {
  let p = '';
  for (let e = entry; e !== null; e = e[2]) p = (e[2] === null ? '$' : typeof e[3] === 'number' ? '[' + e[3] + ']' : '.' + e[3]) + p;
  return p;
};
const inspect = (root, strict, maxBytes) => {
  // Iterative: a recursive walk would itself be the stack overflow it guards against.
  // Entries are [value, depth, parentEntry, key]; exit markers pop an object off the current path.
  const stack = [[root, 0, null, '']];
  const onPath = new SetCtor();
  let nodes = 0, bytes = 0;
  while (stack.length > 0) {
    const entry = stack.pop();
    const v = entry[0];
    if (v === exitMarker) { onPath.delete(entry[1]); continue; }
    if (++nodes > cfg.maxJsonNodes) fatal('MEMORY_LIMIT', 'A value passed to JSON has more than ' + cfg.maxJsonNodes + ' parts (shared references count each time). Build smaller results.');
    const t = typeof v;
    if (t === 'string') bytes += v.length + 2;
    else if (v === null || t === 'number' || t === 'boolean' || v === undefined) bytes += 5;
    else if (t === 'object' && !(v instanceof MapCtor) && !(v instanceof SetCtor)) {
      const depth = entry[1];
      if (depth >= cfg.maxJsonDepth) throw new TypeErrorCtor('The value nests deeper than ' + cfg.maxJsonDepth + ' levels at ' + pathOf(entry) + '. Flatten it.');
      if (onPath.has(v)) throw new TypeErrorCtor('The value contains a cycle at ' + pathOf(entry) + ': an object refers back to itself. Remove the back reference.');
      if (v instanceof DateCtor) { bytes += 26; continue; }
      onPath.add(v);
      stack.push([exitMarker, v]);
      if (isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1, entry, i]);
        bytes += v.length;
      } else {
        const ks = objectKeys(v);
        for (let i = ks.length - 1; i >= 0; i--) { const k = ks[i]; bytes += k.length + 4; stack.push([v[k], depth + 1, entry, k]); }
      }
    } else if (strict) throw new TypeErrorCtor('The value at ' + pathOf(entry) + ' is ' + describe(v) + '; only JSON data (objects, arrays, strings, numbers, booleans, null) can leave the script.');
    if (bytes > maxBytes) return bytes;
  }
  return bytes;
};
const stringify = (value, replacer, space) => {
  if (inspect(value, false, cfg.maxStringLength) > cfg.maxStringLength) tooBig('JSON text longer than ' + cfg.maxStringLength + ' characters');
  return size(replacer === undefined && space === undefined ? jsonStringify(value) : jsonStringify(value, replacer, space));
};
const parse = (text, reviver) => {
  const s = StringCtor(text);
  if (s.length > cfg.maxJsonDepth && host.depth(s) > cfg.maxJsonDepth) throw new TypeErrorCtor('JSON.parse: the text nests deeper than ' + cfg.maxJsonDepth + ' levels. Only parse ordinary JSON data.');
  return reviver === undefined ? jsonParse(s) : jsonParse(s, reviver);
};

// Tools.
const callTool = (name, args) => {
  stillAlive();
  if (typeof name !== 'string' || name === '') throw new TypeErrorCtor("callTool(name, args): name must be a string like 'server:tool'.");
  if (args === undefined) args = {};
  if (args === null || typeof args !== 'object' || isArray(args)) throw new TypeErrorCtor('callTool(' + jsonStringify(name) + ', args): args must be an object, e.g. { query: "x" }.');
  if (++toolCalls > cfg.maxToolCalls) fatal('MAX_TOOL_CALLS', 'The script made more than ' + cfg.maxToolCalls + ' tool calls. Use tools that return many items at once, or process fewer items.');
  inspect(args, true, cfg.maxStringLength);
  return host.tool(name, jsonStringify(args)).then((text) => jsonParse(text), (errText) => {
    const info = jsonParse(errText);
    const e = new ErrorCtor(info.message);
    e.name = 'ToolError';
    e.code = info.code;
    e.tool = name;
    toolErrors.add(e);
    throw e;
  });
};
const parallel = async (items, fn, options) => {
  stillAlive();
  if (!isArray(items)) throw new TypeErrorCtor('parallel(items, fn, { concurrency }): items must be an array.');
  if (typeof fn !== 'function') throw new TypeErrorCtor('parallel(items, fn, { concurrency }): fn must be an arrow function, e.g. item => callTool(...).');
  const asked = options !== null && typeof options === 'object' ? options.concurrency : undefined;
  const limit = typeof asked === 'number' && asked >= 1 ? Math.min(Math.floor(asked), cfg.maxConcurrency) : cfg.maxConcurrency;
  const results = new ArrayCtor(items.length);
  let next = 0, failed = false;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (failed || i >= items.length) return;
      try { results[i] = await fn(items[i], i); } catch (e) { failed = true; throw e; }
    }
  };
  const lanes = [];
  for (let w = 0; w < Math.min(limit, items.length); w++) lanes.push(lane());
  await promiseAll(lanes);
  return results;
};
const format = (args) => {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let s;
    if (typeof a === 'string') s = a;
    else if (a instanceof ErrorCtor) s = a.name + ': ' + a.message;
    else { try { inspect(a, false, cfg.maxLogBytes); s = StringCtor(jsonStringify(a)); } catch (e) { s = '[unprintable: ' + e.message + ']'; } }
    out += (i > 0 ? ' ' : '') + s;
    if (out.length > cfg.maxLogBytes) break;
  }
  return out;
};
const logger = (level) => (...args) => { stillAlive(); if (++logCalls <= cfg.maxLogCalls) host.log(level, format(args)); else if (logCalls === cfg.maxLogCalls + 1) host.log('warn', '[console output truncated: more than ' + cfg.maxLogCalls + ' calls]'); };
const console = ObjectFreeze({ log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error') });

// The run wrapper: the script body's promise becomes one JSON result for the host.
const run = (main) => {
  main().then((value) => {
    if (dead) return;
    try {
      const v = value === undefined ? null : value;
      if (inspect(v, true, cfg.maxResultBytes) > cfg.maxResultBytes) fatal('OUTPUT_LIMIT', 'The result is larger than ' + cfg.maxResultBytes + ' bytes. Return a summary (counts, the first items, the fields you need) instead of everything.');
      host.done(jsonStringify(v), iterations, toolCalls);
    } catch (e) {
      if (!dead) host.fail(jsonStringify({ name: 'TypeError', message: StringCtor(e && e.message), stack: StringCtor(e && e.stack) }), iterations, toolCalls);
    }
  }, (e) => {
    if (dead) return;
    const isError = e instanceof ErrorCtor;
    let message;
    try { message = isError ? StringCtor(e.message) : 'Uncaught ' + format([e]); } catch (x) { message = 'Uncaught exception'; }
    host.fail(jsonStringify({
      name: isError ? StringCtor(e.name) : 'Error', message, stack: isError ? StringCtor(e.stack) : '',
      code: toolErrors.has(e) ? e.code : undefined, tool: toolErrors.has(e) ? e.tool : undefined,
    }), iterations, toolCalls);
  });
};

// The script's world: restricted namespaces replace the full built-ins, escape hatches are removed.
const fixed = (name, value) => defineProperty(G, name, { value, writable: false, enumerable: false, configurable: false });
const safeObject = ObjectFreeze({ keys: Object.keys, values: Object.values, entries: Object.entries, fromEntries: Object.fromEntries, assign: Object.assign });
for (const name of ['eval', 'Function', 'Reflect', 'Proxy', 'Symbol', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'RegExp', 'escape', 'unescape', 'globalThis', 'ArrayBuffer', 'DataView']) {
  delete G[name];
}
fixed('Object', safeObject);
fixed('JSON', ObjectFreeze({ parse, stringify }));
fixed('callTool', callTool);
fixed('parallel', parallel);
fixed('console', console);
fixed(${JSON.stringify(GUARD.run)}, run);
fixed(${JSON.stringify(GUARD.iter)}, iter);
fixed(${JSON.stringify(GUARD.key)}, key);
fixed(${JSON.stringify(GUARD.size)}, size);
fixed(${JSON.stringify(GUARD.newArray)}, newArray);
const extra = jsonParse(cfg.globals);
for (const name of objectKeys(extra)) fixed(name, extra[name]);
})`;

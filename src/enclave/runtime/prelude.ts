// The sandbox-side runtime: JavaScript evaluated inside each fresh QuickJS context before the script.
// It is trusted code (the validator does not apply to it). It defines the guards the transform calls,
// callTool / parallel / console, and JSON that cannot be driven into exponential or unbounded work.
// Built-ins it relies on are captured before any script runs.
//
// QuickJS compiles about 150 µs per KB here, and this runs for every execution, so the core is small:
// messages are composed by the host from codes (sandbox-messages.ts), and the larger helpers (the JSON
// walker, parallel, console formatting) are compiled only when a script first needs them (EXT_SOURCE).
import { BLOCKED_PROPERTIES } from '../policy.js';
import { GUARD } from '../transform.js';

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
  /** Longest error message a script's exception may carry out (its own text: a thrown 1 MB string is cut). */
  maxMessageLength: number;
  deadline: number;
  globals: string; // JSON object of extra read-only globals
}

export const PRELUDE_FILE = 'agentscript-runtime.js';

/** The sources keep their comments here; QuickJS is not made to read them for every execution. */
const compact = (source: string): string => source.replace(/^[ \t]*\/\/.*\n/gm, '');
export const SCRIPT_FILE = 'agentscript.js';

/**
 * Evaluates to a factory: factory(host) installs the guards and returns configure(cfgText), which a run
 * calls with its limits and deadline. A worker prepares the next context ahead of time, so the compile
 * cost is paid while it would otherwise be idle.
 * host: { poll(), fatal(code, detail, stack, iterations, toolCalls), tool(name, json), log(level, text),
 *         done(json, iterations, toolCalls), fail(json, iterations, toolCalls), depth(text), ext() }
 */
export const PRELUDE_SOURCE = compact(String.raw`(function (host) {
'use strict';
const G = globalThis, cfg = {};
const freeze = Object.freeze, define = Object.defineProperty, isArray = Array.isArray, apply = Reflect.apply;
const Str = String, Err = Error, TypeErr = TypeError, Arr = Array, Obj = Object, MapC = Map, SetC = Set;
const jsonParse = JSON.parse, jsonStringify = JSON.stringify, now = Date.now;
const BLOCKED = new SetC(${JSON.stringify([...BLOCKED_PROPERTIES])});
const st = { iterations: 0, toolCalls: 0, logCalls: 0, dead: false, polled: 0 };
// Tool errors this prelude made, with the code and tool the host gave: a script can set e.code on any
// error it throws, so a code is trusted only from here.
const toolErrors = new WeakMap();
// A limit ends the script: the host records it and interrupts QuickJS (uncatchably) at its next poll;
// until then every guard throws again, so a catch block cannot carry on.
const fatal = (code, detail) => {
  st.dead = true;
  const e = new Err(code);
  host.fatal(code, jsonStringify(detail === undefined ? null : detail), Str(e.stack), st.iterations, st.toolCalls);
  throw e;
};
const alive = () => { if (st.dead) fatal('CANCELLED'); };
const iter = () => {
  if (st.dead) alive();
  if (++st.iterations > cfg.maxIterations) fatal('MAX_ITERATIONS');
  // QuickJS polls its interrupt handler only every ~10,000 operations; a loop of heavy native calls
  // would run far past its deadline or a cancellation. So each iteration looks at the clock, and every
  // 10 ms asks the host whether the run was stopped.
  const t = now();
  if (t - st.polled >= 10) {
    st.polled = t;
    if (t > cfg.deadline) fatal('TIMEOUT');
    if (host.poll()) fatal('CANCELLED');
  }
};
const blocked = (s) => { if (BLOCKED.has(s)) fatal('VALIDATION_ERROR', { key: s }); };
const key = (k) => {
  if (typeof k === 'number') return k;
  // Coerce once, so an object key cannot answer one string to the check and another to the access.
  const s = typeof k === 'string' || typeof k === 'symbol' ? k : Str(k);
  blocked(s);
  return s;
};
// Object.assign writes keys chosen at run time with [[Set]]: an own "__proto__" key of its source (from
// JSON.parse or fromEntries) re-prototypes the target, "constructor" on a promise steers species lookups.
// So both refuse the key guard's names, as 'o[k] = v' does. Sources cannot have getters (no syntax for them).
const objAssign = Obj.assign, objFromEntries = Obj.fromEntries, objKeys = Obj.keys;
const assign = (target, ...sources) => {
  for (const src of sources) if (src !== null && src !== undefined) for (const k of objKeys(src)) blocked(k);
  return apply(objAssign, Obj, [target, ...sources]);
};
const fromEntries = (entries) => { const o = objFromEntries(entries); for (const k of objKeys(o)) blocked(k); return o; };
const tooBig = (what, n) => fatal('MEMORY_LIMIT', { what, n });
const size = (v) => { if (typeof v === 'string' && v.length > cfg.maxStringLength) tooBig('string', v.length); return v; };
const checkLength = (n) => { if (typeof n === 'number' && n > cfg.maxArrayLength) tooBig('array', n); };
const newArray = (...a) => { if (a.length === 1) { checkLength(a[0]); return new Arr(a[0]); } return Arr.of(...a); };
// Growth of strings and arrays through built-ins, checked before (and after) the native call.
const guard = (proto, name, check) => {
  const original = proto[name];
  define(proto, name, { value: function (...a) { check(this, a); return size(apply(original, this, a)); }, writable: true, configurable: true });
};
const SP = Str.prototype, AP = Arr.prototype;
const strLimit = (n) => { if (n > cfg.maxStringLength) tooBig('string', n); };
guard(SP, 'repeat', (s, a) => { if (typeof a[0] === 'number') strLimit(Str(s).length * a[0]); });
guard(SP, 'padStart', (s, a) => { if (typeof a[0] === 'number') strLimit(a[0]); });
guard(SP, 'padEnd', (s, a) => { if (typeof a[0] === 'number') strLimit(a[0]); });
// replace/replaceAll with string arguments: an empty pattern matches between every character.
const replaceBound = (all) => (s, a) => {
  if (typeof a[0] !== 'string' || typeof a[1] !== 'string') return;
  const len = Str(s).length, hits = !all ? 1 : a[0] === '' ? len + 1 : Math.floor(len / a[0].length);
  strLimit(len + hits * a[1].length);
};
guard(SP, 'replace', replaceBound(false));
guard(SP, 'replaceAll', replaceBound(true));
guard(SP, 'concat', (s, a) => { let n = Str(s).length; for (const x of a) n += typeof x === 'string' ? x.length : 0; strLimit(n); });
// A string pattern would be compiled as a regular expression (ReDoS, and no regex at STRICT).
for (const m of ['match', 'matchAll', 'search']) guard(SP, m, (s, a) => { if (typeof a[0] === 'string') throw new TypeErr('Pass a regular expression literal such as /abc/, not a string.'); });
guard(AP, 'concat', (arr, a) => { let n = arr.length; for (const x of a) n += isArray(x) ? x.length : 1; checkLength(n); });
guard(AP, 'join', () => {});
guard(AP, 'fill', (arr) => checkLength(arr.length));
// A caught limit or out-of-memory error ends the script all the same (DESIGN §5: limits cannot be caught).
const InternalErr = G.InternalError;
const caught = (e) => {
  if (st.dead) alive();
  if (typeof InternalErr === 'function' && e instanceof InternalErr && (e.message === 'out of memory' || e.message === 'string too long')) fatal('MEMORY_LIMIT', { what: 'heap' });
};
const PP = Promise.prototype, then = PP.then, allSettled = Promise.allSettled;
define(PP, 'then', { value: function (ok, bad) { return apply(then, this, [ok, typeof bad === 'function' ? (e) => { caught(e); return bad(e); } : bad]); }, writable: true, configurable: true });
define(Promise, 'allSettled', { value: (ps) => apply(then, apply(allSettled, Promise, [ps]), [(rs) => { for (const r of rs) if (r.status === 'rejected') caught(r.reason); return rs; }]), writable: true, configurable: true });
// The script's Array: 'const A = Array; A(1e9)' escapes the transform's rewrite of Array(n), so the global
// checks lengths itself. It shares Array.prototype, so 'x instanceof Array' holds for arrays.
const from = Arr.from, arrOf = Arr.of;
const ArrayG = function Array(...a) { return newArray(...a); };
ArrayG.prototype = AP;
ArrayG.isArray = isArray;
ArrayG.from = (src, fn) => { if (src !== null && typeof src === 'object' && !isArray(src)) checkLength(src.length); return apply(from, Arr, fn === undefined ? [src] : [src, fn]); };
ArrayG.of = (...a) => apply(arrOf, Arr, a);

// The larger helpers, compiled on first use.
let extension = null;
const ext = () => extension || (extension = host.ext()({ host, cfg, st, fatal, alive, tooBig, size, toolErrors, Str, Err, TypeErr, Arr, MapC, SetC, Obj, DateC: Date, dateToJSON: Date.prototype.toJSON, isArray, freeze, jsonParse, jsonStringify, promiseAll: Promise.all.bind(Promise) }));
const isPlain = (v) => v === null || typeof v !== 'object';
const stringify = (value, replacer, space) => {
  if (!isPlain(value)) ext().bound(value, false, cfg.maxStringLength, 'json');
  return size(replacer === undefined && space === undefined ? jsonStringify(value) : jsonStringify(value, replacer, space));
};
const parse = (text, reviver) => {
  const s = Str(text);
  if (s.length > cfg.maxJsonDepth && host.depth(s) > cfg.maxJsonDepth) throw new TypeErr('JSON.parse: the text nests deeper than ' + cfg.maxJsonDepth + ' levels.');
  return reviver === undefined ? jsonParse(s) : jsonParse(s, reviver);
};
const callTool = (name, args) => {
  alive();
  if (typeof name !== 'string' || name === '') throw new TypeErr("callTool(name, args): name must be a string like 'server:tool'.");
  if (args === undefined) args = {};
  if (args === null || typeof args !== 'object' || isArray(args)) throw new TypeErr('callTool(name, args): args must be an object, e.g. { query: "x" }.');
  if (++st.toolCalls > cfg.maxToolCalls) fatal('MAX_TOOL_CALLS');
  ext().bound(args, true, cfg.maxStringLength, 'json');
  const site = new Err(); // the script's line of this call: where an uncaught failure is reported
  return host.tool(name, jsonStringify(args)).then(jsonParse, (text) => {
    const info = jsonParse(text), e = new Err(info.message);
    e.name = 'ToolError'; e.code = info.code; e.tool = name; e.stack = site.stack;
    toolErrors.set(e, { code: info.code, tool: name });
    throw e;
  });
};
const parallel = (items, fn, options) => ext().parallel(items, fn, options);
const logger = (level) => (...a) => {
  alive();
  if (++st.logCalls <= cfg.maxLogCalls) host.log(level, a.length === 1 && typeof a[0] === 'string' ? a[0] : ext().format(a));
  else if (st.logCalls === cfg.maxLogCalls + 1) host.log('warn', '[console output truncated: more than ' + cfg.maxLogCalls + ' calls]');
};
// The run wrapper: the script body's promise becomes one JSON result for the host.
const run = (main) => {
  main().then((value) => {
    if (st.dead) return;
    const v = value === undefined ? null : value;
    if (isPlain(v) && typeof v !== 'bigint' && typeof v !== 'symbol' && typeof v !== 'function') return host.done(jsonStringify(v), st.iterations, st.toolCalls);
    ext().result(v);
  }, (e) => { if (!st.dead) ext().failed(e); });
};
// The script's world: restricted namespaces replace the full built-ins; escape hatches are removed.
const fixed = (name, value) => define(G, name, { value, writable: false, enumerable: false, configurable: false });
for (const n of ['eval', 'Function', 'Reflect', 'Proxy', 'Symbol', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'RegExp', 'escape', 'unescape', 'globalThis', 'ArrayBuffer', 'DataView']) delete G[n];
fixed('Object', freeze({ keys: objKeys, values: Obj.values, entries: Obj.entries, fromEntries, assign }));
fixed('JSON', freeze({ parse, stringify }));
fixed('Array', freeze(ArrayG));
// Namespaces a script can name are frozen: 'const M = Math; M.max = f' or Object.assign(Promise, …) would
// otherwise change what the rest of the script (and this prelude) calls. Prototypes stay unfrozen (frozen,
// 'e.name = …' on an Error would throw: the override mistake); a script cannot name them (the key guard).
for (const n of ['Math', 'Number', 'String', 'Boolean', 'Date', 'Map', 'Set', 'Error', 'Promise']) freeze(G[n]);
fixed('callTool', freeze(callTool));
fixed('parallel', freeze(parallel));
fixed('console', freeze({ log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error') }));
fixed(${JSON.stringify(GUARD.run)}, run);
fixed(${JSON.stringify(GUARD.iter)}, iter);
fixed(${JSON.stringify(GUARD.key)}, key);
fixed(${JSON.stringify(GUARD.size)}, size);
fixed(${JSON.stringify(GUARD.newArray)}, newArray);
fixed(${JSON.stringify(GUARD.caught)}, caught);
delete G.InternalError;
return (cfgText) => {
  Obj.assign(cfg, jsonParse(cfgText));
  const extra = jsonParse(cfg.globals);
  for (const n of Obj.keys(extra)) fixed(n, extra[n]);
};
})`);

/** Compiled on first use: the JSON walker, parallel(), console formatting, result and error reporting. */
export const EXT_SOURCE = compact(String.raw`(function (c) {
'use strict';
const { host, cfg, st, fatal, alive, tooBig, toolErrors, Str, Err, TypeErr, Arr, MapC, SetC, Obj, DateC, dateToJSON, isArray, freeze, jsonStringify, promiseAll } = c;
const EXIT = freeze({});
// The path of an entry, built only when an error names it.
const pathOf = (entry) => {
  let p = '';
  for (let e = entry; e !== null; e = e[2]) p = (e[2] === null ? '$' : typeof e[3] === 'number' ? '[' + e[3] + ']' : '.' + e[3]) + p;
  return p;
};
const describe = (v) => typeof v === 'function' ? 'a function' : typeof v === 'bigint' ? 'a BigInt' : typeof v === 'symbol' ? 'a symbol' : v instanceof MapC ? 'a Map (use Object.fromEntries(map))' : v instanceof SetC ? 'a Set (use [...set])' : 'not JSON';
// Walks a value iteratively (a recursive walk would itself overflow the stack it guards), counting
// parts and estimating bytes. Throws TypeError for cycles, over-deep nesting and (strict) non-data.
// It visits what the native JSON.stringify visits, whatever an object's prototype: the elements of an
// array, the own enumerable keys of any other object (a Map's or Set's own keys too, as stringify
// does). Only a real Date with the built-in toJSON is a leaf; any other toJSON function is refused,
// since stringify would serialize whatever it returns, unseen by this walk (a shared-reference DAG).
const bound = (root, strict, maxBytes, what) => {
  const stack = [[root, 0, null, '']];
  const onPath = new SetC();
  let nodes = 0, bytes = 0;
  while (stack.length > 0) {
    const entry = stack.pop(), v = entry[0], t = typeof v;
    if (v === EXIT) { onPath.delete(entry[1]); continue; }
    if (++nodes > cfg.maxJsonNodes) tooBig('json-nodes', nodes);
    if (t === 'string') bytes += v.length + 2;
    else if (v === null || v === undefined || t === 'number' || t === 'boolean') bytes += 5;
    else if (t === 'object') {
      const depth = entry[1], toJSON = v.toJSON;
      if (depth >= cfg.maxJsonDepth) throw new TypeErr('The value nests deeper than ' + cfg.maxJsonDepth + ' levels at ' + pathOf(entry) + '. Flatten it.');
      if (onPath.has(v)) throw new TypeErr('The value contains a cycle at ' + pathOf(entry) + '. Remove the back reference.');
      if (toJSON === dateToJSON && v instanceof DateC) { bytes += 26; continue; }
      if (typeof toJSON === 'function') throw new TypeErr('The value at ' + pathOf(entry) + ' has its own toJSON function. Convert it to plain data first.');
      if (strict && (v instanceof MapC || v instanceof SetC)) throw new TypeErr('The value at ' + pathOf(entry) + ' is ' + describe(v) + '; only JSON data (objects, arrays, strings, numbers, booleans, null) can leave the script.');
      onPath.add(v);
      stack.push([EXIT, v]);
      // The count is checked before the parts are pushed: a sparse array of length 2^32-1 is refused at once.
      if (isArray(v)) {
        if (nodes + v.length > cfg.maxJsonNodes) tooBig('json-nodes', nodes + v.length);
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1, entry, i]);
        bytes += v.length;
      } else {
        const ks = Obj.keys(v);
        if (nodes + ks.length > cfg.maxJsonNodes) tooBig('json-nodes', nodes + ks.length);
        for (let i = ks.length - 1; i >= 0; i--) { const k = ks[i]; bytes += k.length + 4; stack.push([v[k], depth + 1, entry, k]); }
      }
    } else if (strict) throw new TypeErr('The value at ' + pathOf(entry) + ' is ' + describe(v) + '; only JSON data (objects, arrays, strings, numbers, booleans, null) can leave the script.');
    if (bytes > maxBytes) { if (what === 'result') fatal('OUTPUT_LIMIT'); tooBig(what, bytes); }
  }
  return bytes;
};
const parallel = async (items, fn, options) => {
  alive();
  if (!isArray(items)) throw new TypeErr('parallel(items, fn, { concurrency }): items must be an array.');
  if (typeof fn !== 'function') throw new TypeErr('parallel(items, fn, { concurrency }): fn must be an arrow function, e.g. item => callTool(...).');
  const asked = options !== null && typeof options === 'object' ? options.concurrency : undefined;
  const limit = typeof asked === 'number' && asked >= 1 ? Math.min(Math.floor(asked), cfg.maxConcurrency) : cfg.maxConcurrency;
  const results = new Arr(items.length);
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
  for (let i = 0; i < args.length && out.length <= cfg.maxLogBytes; i++) {
    const a = args[i];
    let s;
    if (typeof a === 'string') s = a;
    else if (a instanceof Err) s = a.name + ': ' + a.message;
    else { try { bound(a, false, cfg.maxLogBytes, 'log'); s = Str(jsonStringify(a)); } catch (e) { s = '[unprintable: ' + (e && e.message) + ']'; } }
    out += (i > 0 ? ' ' : '') + s;
  }
  return out;
};
const cut = (s) => s.length > cfg.maxMessageLength ? s.slice(0, cfg.maxMessageLength) + '…' : s;
const failed = (e) => {
  const isError = e instanceof Err, tool = isError ? toolErrors.get(e) : undefined;
  let message;
  try { message = isError ? Str(e.message) : 'Uncaught ' + format([e]); } catch (x) { message = 'Uncaught exception'; }
  host.fail(jsonStringify({ name: cut(isError ? Str(e.name) : 'Error'), message: cut(message), stack: isError ? cut(Str(e.stack)) : '', code: tool && tool.code, tool: tool && tool.tool }), st.iterations, st.toolCalls);
};
const result = (v) => {
  try { bound(v, true, cfg.maxResultBytes, 'result'); } catch (e) { if (!st.dead) failed(e); return; }
  host.done(jsonStringify(v), st.iterations, st.toolCalls);
};
return freeze({ bound, parallel, format, failed, result });
})`);

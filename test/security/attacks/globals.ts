// Technique: reach the global object or a host / engine capability by name: globalThis, this, eval, Function,
// process, require, import(), fetch, timers, Reflect, Proxy, Symbol, WeakRef, SharedArrayBuffer, Atomics,
// WebAssembly, and the names QuickJS builds sometimes expose (std, os, print).
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const globalAccess: Attack[] = [
  // The global object by name.
  { name: 'globalThis', code: `return Object.keys(globalThis)`, expect: blocked },
  // The global object through `this` at the top level.
  { name: 'top-level this', code: `return this`, expect: blocked },
  // `this` inside an arrow callback.
  { name: 'this in an arrow', code: `return [1].map(() => typeof this)`, expect: blocked },
  // eval.
  { name: 'eval', code: `return eval('1 + 1')`, expect: blocked },
  // Indirect eval.
  { name: 'indirect eval', code: `return (0, eval)('this')`, expect: blocked },
  // Function.
  { name: 'Function', code: `return Function('return this')()`, expect: blocked },
  // process.
  { name: 'process.env', code: `return process.env`, expect: blocked },
  // typeof process (even a typeof probe is refused).
  { name: 'typeof process', code: `return typeof process`, expect: blocked },
  // require.
  { name: 'require', code: `return require('fs').readFileSync('/etc/passwd', 'utf8')`, expect: blocked },
  // Dynamic import.
  { name: 'import()', code: `const fs = await import('node:fs');\nreturn fs.readFileSync('/etc/passwd', 'utf8')`, expect: blocked },
  // import.meta.
  { name: 'import.meta', code: `return import.meta.url`, expect: blocked },
  // fetch.
  { name: 'fetch', code: `return await fetch('http://127.0.0.1:1/')`, expect: blocked },
  // setTimeout.
  { name: 'setTimeout', code: `setTimeout(() => 1, 10);\nreturn 1`, expect: blocked },
  // queueMicrotask.
  { name: 'queueMicrotask', code: `queueMicrotask(() => 1);\nreturn 1`, expect: blocked },
  // Reflect.
  { name: 'Reflect', code: `return Reflect.ownKeys([])`, expect: blocked },
  // Proxy.
  { name: 'Proxy', code: `return new Proxy({}, {})`, expect: blocked },
  // Symbol (coercion and iteration hooks).
  { name: 'Symbol', code: `return typeof Symbol.iterator`, expect: blocked },
  // WeakRef.
  { name: 'WeakRef', code: `return new WeakRef({})`, expect: blocked },
  // SharedArrayBuffer.
  { name: 'SharedArrayBuffer', code: `return SharedArrayBuffer`, expect: blocked },
  // Atomics.
  { name: 'Atomics.wait', code: `return Atomics.wait`, expect: blocked },
  // WebAssembly.
  { name: 'WebAssembly', code: `return WebAssembly.compile`, expect: blocked },
  // QuickJS's std / os modules.
  { name: 'QuickJS std and os', code: `return [std.getenv('HOME'), os.getcwd()]`, expect: blocked },
  // An unknown global that a QuickJS shell defines.
  { name: 'print / scriptArgs', code: `return [typeof print, typeof scriptArgs]`, expect: blocked },
  // arguments.
  { name: 'arguments', code: `return [1].map(() => arguments.length)`, expect: blocked },
  // Buffer.
  { name: 'Buffer', code: `return Buffer.from('x')`, expect: blocked },
  // RegExp constructor.
  { name: 'RegExp constructor', level: 'SECURE', code: `return new RegExp('(a+)+$').test('aaaa!')`, expect: blocked },
  // Declaring a blocked name to confuse later checks.
  { name: 'declare a variable named process', code: `const process = { env: 1 };\nreturn process.env`, expect: blocked },
  // A blocked global reached through a destructuring default.
  { name: 'globalThis as a destructuring default', code: `const { g = globalThis } = {};\nreturn g`, expect: blocked },
  // The global object through a sloppy-mode callback: every callback is strict, so `this` stays undefined.
  {
    name: 'this through Function.prototype.call',
    level: 'STANDARD',
    code: `const f = () => 1;\nreturn f.call.call(f, null)`,
    expect: { success: true, value: 1 },
  },
];

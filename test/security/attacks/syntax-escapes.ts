// Technique: syntax outside AgentScript that brings its own capabilities: function declarations and
// expressions, classes, accessors, methods, generators, unguarded loops, labels, with, tagged templates, var,
// `new` on other constructors, and assignment to globals (directly or through Object.assign).
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const syntaxEscapes: Attack[] = [
  // Function declaration (sloppy `this`, hoisting, unguarded recursion).
  { name: 'function declaration', code: `function f() { return 1 }\nreturn f()`, expect: blocked },
  // Function expression passed as a callback.
  { name: 'function expression', code: `return [1].map(function () { return this })`, expect: blocked },
  // Async function expression.
  { name: 'async function expression', code: `const f = async function () { return 1 };\nreturn await f()`, expect: blocked },
  // Class with a constructor.
  { name: 'class declaration', code: `class A { constructor() { this.x = 1 } }\nreturn new A()`, expect: blocked },
  // Class extending a built-in (reaches super and prototypes).
  { name: 'class extends Map', code: `const M = class extends Map {};\nreturn new M()`, expect: blocked },
  // Getter in an object literal (code that runs on read, e.g. inside JSON.stringify).
  { name: 'getter', code: `const o = { get x() { return 1 } };\nreturn o`, expect: blocked },
  // Setter in an object literal.
  { name: 'setter', code: `const o = { set x(v) { } };\nreturn 1`, expect: blocked },
  // Method shorthand (a non-arrow function with its own `this`).
  { name: 'method shorthand', code: `const o = { toString() { return 'constructor' } };\nreturn [][o]`, expect: blocked },
  // Generator function.
  { name: 'generator', code: `function* g() { yield 1 }\nreturn [...g()]`, expect: blocked },
  // Async generator method.
  { name: 'async generator method', code: `const o = { async *g() { yield 1 } };\nreturn 1`, expect: blocked },
  // while (unguarded by shape).
  { name: 'while loop', code: `let i = 0;\nwhile (true) { i++ }\nreturn i`, expect: blocked },
  // do…while.
  { name: 'do-while loop', code: `let i = 0;\ndo { i++ } while (true);\nreturn i`, expect: blocked },
  // for…in (walks inherited keys).
  { name: 'for-in loop', code: `const out = [];\nfor (const k in {}) out.push(k);\nreturn out`, expect: blocked },
  // Labels (break out of a guard's scope).
  { name: 'labelled loop', code: `outer: for (;;) { break outer }\nreturn 1`, expect: blocked },
  // with.
  { name: 'with statement', code: `with ({ x: 1 }) { x }`, expect: blocked },
  // Tagged template (raw strings reach a function).
  { name: 'tagged template', code: 'const t = String.raw;\nreturn t`constructor`', expect: blocked },
  // String.raw as a tag via a member expression.
  { name: 'String.raw tag', code: 'return String.raw`\\u0063onstructor`', expect: blocked },
  // var (function-scoped, hoisted).
  { name: 'var', code: `var x = 1;\nreturn x`, expect: blocked },
  // new on Promise.
  { name: 'new Promise', code: `return await new Promise((r) => r(1))`, expect: blocked },
  // new on an alias of a constructor.
  { name: 'new on an alias', code: `const M = Map;\nreturn new M()`, expect: blocked },
  // new on a member expression.
  { name: 'new on a member', code: `return new Math.max()`, expect: blocked },
  // Direct assignment to a member of a global.
  { name: 'Math.max = …', code: `Math.max = 1;\nreturn Math.max`, expect: blocked },
  // Compound assignment to a global.
  { name: 'undefined = …', code: `undefined = 1;\nreturn undefined`, expect: blocked },
  // Destructuring assignment into a global's member.
  { name: 'destructuring into Math.max', code: `[Math.max] = [1];\nreturn Math.max`, expect: blocked },
  // for…of assigning into a global.
  { name: 'for-of into a global', code: `for (Math.pi of [1]) { }\nreturn 1`, expect: blocked },
  // delete on a global's member.
  { name: 'delete a global member', code: `delete Math.max;\nreturn typeof Math.max`, expect: blocked },
  // Reassign callTool.
  { name: 'reassign callTool', code: `callTool = () => 1;\nreturn 1`, expect: blocked },
  // Increment a global.
  { name: 'NaN++', code: `NaN++;\nreturn 1`, expect: blocked },
  // debugger.
  { name: 'debugger', code: `debugger;\nreturn 1`, expect: blocked },
  // BigInt literal (results must be JSON).
  { name: 'BigInt literal', code: `return 10n ** 1000n`, expect: blocked },
  // Arrow outside a call at STRICT (stored, then used as a toString hook).
  { name: 'arrow stored in an object at STRICT', code: `const o = { toString: () => 'constructor' };\nreturn [][o]`, expect: blocked },
  // Arrow returned from an arrow (a stored function at STRICT).
  { name: 'arrow returning an arrow at STRICT', code: `const [f] = [1].map(() => () => 'x');\nreturn f()`, expect: blocked },
  // new.target.
  { name: 'new.target', code: `return [1].map(() => new.target)`, expect: blocked },
  // Regex literal at STRICT.
  { name: 'regex literal at STRICT', code: `return /a/.test('a')`, expect: blocked },
  // String methods that compile a pattern at STRICT.
  { name: '.match at STRICT', code: `return 'aaa'.match('a+')`, expect: blocked },
  // Dynamic tool name at STRICT.
  { name: 'dynamic tool name at STRICT', code: `const n = 'evil:' + 'data';\nreturn await callTool(n, {})`, expect: blocked },
  // Import declaration.
  { name: 'import declaration', code: `import fs from 'fs';\nreturn 1`, expect: blocked },
  // HTML-like comment (Annex B) hiding code from readers.
  { name: 'HTML-like comment', code: `const x = 1;\n<!-- return 2\nreturn x`, expect: { codes: ['VALIDATION_ERROR'], value: 1 } },
];

// Technique: build a blocked property name at run time (concatenation, templates, join, char codes, objects
// with toString, decoded text, tool data) and use it as a computed key, which the transform must guard.
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const computedKeys: Attack[] = [
  // String concatenation.
  {
    name: 'concatenation constr+uctor',
    level: 'STANDARD',
    code: `const f = () => 1;\nconst k = 'constr' + 'uctor';\nreturn f[k]('return 1')()`,
    expect: blocked,
  },
  // Template literal with a substitution.
  {
    name: 'template literal key',
    level: 'STANDARD',
    code: 'const f = () => 1;\nconst a = "constr";\nconst k = `${a}uctor`;\nreturn f[k][k]("return 1")()',
    expect: blocked,
  },
  // Array join.
  {
    name: 'array join key',
    level: 'STANDARD',
    code: `const f = () => 1;\nconst k = ['con', 'struc', 'tor'].join('');\nreturn f[k]('return 1')()`,
    expect: blocked,
  },
  // String.fromCharCode.
  {
    name: 'String.fromCharCode key',
    level: 'STANDARD',
    code: `const f = () => 1;\nconst k = String.fromCharCode(99, 111, 110, 115, 116, 114, 117, 99, 116, 111, 114);\nreturn f[k]('return 1')()`,
    expect: blocked,
  },
  // String.fromCodePoint.
  { name: 'String.fromCodePoint key', code: `const k = String.fromCodePoint(95, 95, 112, 114, 111, 116, 111, 95, 95);\nreturn ({})[k]`, expect: blocked },
  // A single-element array as the key: it stringifies to its element.
  {
    name: 'array-of-chars as key',
    level: 'STANDARD',
    code: `const f = () => 1;\nconst k = [['c','o','n','s','t','r','u','c','t','o','r'].join('')];\nreturn f[k]('return 1')()`,
    expect: blocked,
  },
  // An object whose toString returns the blocked name.
  {
    name: 'object with toString key',
    level: 'STANDARD',
    code: `const ts = () => 'constructor';\nconst o = { toString: ts };\nconst f = () => 1;\nreturn f[o]('return 1')()`,
    expect: blocked,
  },
  // An object whose toString answers a harmless name to the check and the blocked one to the access (TOCTOU).
  {
    name: 'toString that changes between check and use',
    level: 'STANDARD',
    code: `let n = 0;\nconst ts = () => (n++ === 0 ? 'length' : 'constructor');\nconst o = { toString: ts };\nconst f = () => 1;\nreturn typeof f[o]`,
    expect: { codes: ['VALIDATION_ERROR'], value: 'number' },
  },
  // An object whose valueOf is consulted instead (toString absent on the own object does not matter).
  {
    name: 'object with valueOf key',
    level: 'STANDARD',
    code: `const vo = () => 'constructor';\nconst o = { valueOf: vo, toString: null };\nconst f = () => 1;\nreturn typeof f[o]`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // Reversed string.
  { name: 'reversed string key', code: `const k = 'rotcurtsnoc'.split('').reverse().join('');\nreturn [][k]`, expect: blocked },
  // Case change.
  { name: 'toLowerCase key', code: `const k = 'CONSTRUCTOR'.toLowerCase();\nreturn [][k]`, expect: blocked },
  // URI decoding.
  { name: 'decodeURIComponent key', code: `const k = decodeURIComponent('%63onstructor');\nreturn [][k]`, expect: blocked },
  // JSON.parse of a string literal.
  { name: 'JSON.parse string key', code: `const k = JSON.parse('"__proto__"');\nreturn ({})[k]`, expect: blocked },
  // Keys of parsed JSON.
  { name: 'Object.keys of parsed JSON', code: `const [k] = Object.keys(JSON.parse('{"constructor": 1}'));\nreturn [][k]`, expect: blocked },
  // A key supplied by a tool.
  {
    name: 'key from a tool result',
    code: `const r = await callTool('evil:key', {});\nreturn [][r.key]`,
    toolResult: () => ({ key: 'constructor' }),
    expect: blocked,
  },
  // Optional chaining with a computed key.
  { name: 'optional computed ?.[k]', code: `const m = new Map();\nconst k = 'proto' + 'type';\nreturn m?.[k]`, expect: blocked },
  // Computed key in a destructuring pattern.
  { name: 'computed destructuring key', code: `const k = '__pro' + 'to__';\nconst { [k]: p } = {};\nreturn p`, expect: blocked },
  // Computed key in an arrow parameter pattern.
  { name: 'computed key in arrow parameter pattern', code: `const k = 'constr' + 'uctor';\nreturn [[]].map(({ [k]: C }) => typeof C)`, expect: blocked },
  // Computed key in an object literal (defines an own `__proto__`, or sets the prototype).
  { name: 'computed key in object literal', code: `const k = '__pro' + 'to__';\nconst o = { [k]: { polluted: 1 } };\nreturn o.polluted`, expect: blocked },
  // Computed write of __defineGetter__.
  {
    name: '__defineGetter__ built at run time',
    level: 'STANDARD',
    code: `const k = '__define' + 'Getter__';\nconst g = () => 1;\nconst o = {};\no[k]('x', g);\nreturn o.x`,
    expect: blocked,
  },
  // __lookupGetter__ built at run time (reads accessors of built-ins).
  { name: '__lookupGetter__ built at run time', code: `const k = '__lookup' + 'Getter__';\nreturn typeof ({})[k]`, expect: blocked },
  // `caller` / `callee` / `arguments` built at run time.
  { name: 'caller built at run time', code: `const k = 'cal' + 'ler';\nreturn [1].map((x) => typeof x)[k]`, expect: blocked },
  // Computed assignment through the blocked name.
  {
    name: 'computed assignment to __proto__',
    code: `const o = {};\nconst k = '__proto' + '__';\no[k] = { polluted: true };\nreturn o.polluted`,
    expect: blocked,
  },
  // Compound assignment through a computed key.
  { name: 'computed compound assignment', code: `const o = {};\nconst k = 'proto' + 'type';\no[k] += 'x';\nreturn o`, expect: blocked },
  // Computed key reached through a numeric-looking string is still a data key (control: allowed).
  { name: 'control: computed data key is allowed', code: `const o = { a1: 5 };\nconst k = 'a' + 1;\nreturn o[k]`, expect: { success: true, value: 5 } },
  // Object.fromEntries defines own `__proto__` / `constructor` keys, and Object.assign then *sets* them:
  // the blocked names are written without any member access the validator or the guard can see.
  {
    name: 'Object.assign + fromEntries sets the prototype',
    code: `const src = Object.fromEntries([['__proto__', new Map()]]);\nconst o = Object.assign({}, src);\nreturn o instanceof Map`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: false },
  },
  // The same route writes an own `constructor` on a promise, steering Promise species lookups.
  {
    name: 'Object.assign + fromEntries writes constructor (promise species)',
    code: `const p = Promise.resolve(1);\nObject.assign(p, Object.fromEntries([['constructor', Array]]));\ntry { await p.then((x) => x); return 'no effect' } catch (e) { return e.name + ': ' + e.message }`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 'no effect' },
  },
];

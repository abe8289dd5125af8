// Technique: alias a restricted global (`const O = Object`) so that member checks keyed on the global's
// name no longer apply, then reach the members the namespace is meant to hide.
import type { Attack } from './types.js';

export const aliasing: Attack[] = [
  // Object.defineProperty through an alias (would define getters and non-data properties).
  {
    name: 'O.defineProperty',
    code: `const O = Object;\nconst o = {};\nO.defineProperty(o, 'x', { value: 1 });\nreturn o.x`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // Object.getPrototypeOf through an alias (reaches prototypes by value).
  {
    name: 'O.getPrototypeOf',
    code: `const O = Object;\nconst p = O.getPrototypeOf([]);\nreturn typeof p`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // Object.getOwnPropertyDescriptor through an alias.
  {
    name: 'O.getOwnPropertyDescriptor',
    code: `const O = Object;\nreturn O.getOwnPropertyDescriptor([], 'length')`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // Object.setPrototypeOf through an alias.
  { name: 'O.setPrototypeOf', code: `const O = Object;\nreturn O.setPrototypeOf({}, null)`, expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] } },
  // Object.getOwnPropertyNames of a function (would list hidden members).
  {
    name: 'O.getOwnPropertyNames',
    code: `const O = Object;\nreturn O.getOwnPropertyNames(callTool)`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'] },
  },
  // Destructuring the hidden members out of the namespace.
  {
    name: 'destructure { defineProperty } from Object',
    code: `const { defineProperty, getPrototypeOf } = Object;\nreturn [typeof defineProperty, typeof getPrototypeOf]`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: ['undefined', 'undefined'] },
  },
  // Alias through an array element.
  {
    name: 'alias through an array',
    code: `const [O] = [Object];\nreturn typeof O.create`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 'undefined' },
  },
  // Alias through a callback parameter.
  {
    name: 'alias through a callback parameter',
    code: `return [Object].map((O) => typeof O.getPrototypeOf)`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: ['undefined'] },
  },
  // Assignment to a member of an aliased global: the validator's assign-global check keys on the name.
  {
    name: 'M.max = … through an alias',
    code: `const M = Math;\nconst f = () => 'pwned';\nM.max = f;\nreturn Math.max(1, 2)`,
    level: 'STANDARD',
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 2 },
  },
  // Hidden JSON members through an alias.
  {
    name: 'J.rawJSON through an alias',
    code: `const J = JSON;\nreturn [typeof J.rawJSON, typeof J.isRawJSON]`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: ['undefined', 'undefined'] },
  },
  // Error statics a V8-style engine uses for stack shaping.
  {
    name: 'E.prepareStackTrace through an alias',
    level: 'STANDARD',
    code: `const E = Error;\nconst f = (e, frames) => frames;\nE.prepareStackTrace = f;\nreturn typeof new Error('x').stack`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: 'string' },
  },
  // Array(n) through an alias skips the transform's length guard.
  {
    name: 'A(1e9) through an alias',
    code: `const A = Array;\nconst a = A(1000000000);\nreturn a.length`,
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR', 'MEMORY_LIMIT'] },
  },
  // Array.from through an alias still goes through the guarded wrapper.
  {
    name: 'A.from({ length: 1e9 }) through an alias',
    code: `const A = Array;\nreturn A.from({ length: 1000000000 }).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
  },
  // Array.of through an alias with a constructor `this` (Array.of.call(Map) would construct a Map).
  {
    name: 'Array.of.call with another constructor',
    code: `return Array.of.call(Date, 1, 2)`,
    // The script's Array.of ignores its receiver: it makes an array, never a Date.
    expect: { codes: ['VALIDATION_ERROR', 'RUNTIME_ERROR'], value: [1, 2] },
  },
  // Declaring `Array` anywhere (here an unused callback parameter) turns off the transform's rewrite of every
  // `new Array(n)` in the script, including the one that refers to the real global.
  {
    name: 'a parameter named Array disables the new Array(n) guard',
    code: `[0].map((Array) => 0);\nconst a = new Array(1000000000);\nreturn a.length`,
    expect: { codes: ['VALIDATION_ERROR', 'MEMORY_LIMIT'] },
  },
];

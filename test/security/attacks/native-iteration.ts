// Technique: make a built-in do the looping or the growing, where neither the iteration guard nor the string
// guard sits: iterator helpers and set-like objects given built-ins as their methods, built-in callbacks,
// statics added to built-ins after ES2023, Object.entries / Object.assign over long strings, and built-ins that
// return strings longer than their input (encodeURIComponent, toUpperCase, normalize).
import type { Attack } from './types.js';

export const nativeIteration: Attack[] = [
  // Late statics that call back natively, reached through an alias the validator cannot follow.
  {
    name: 'Map.groupBy, Promise.try and other late statics through an alias',
    code: `return [Map, Set, Promise, Object, Array, String, Error].map((G) => [G.groupBy, G.try, G.withResolvers, G.fromAsync, G.raw, G.isError].map((m) => typeof m))`,
    expect: { value: new Array(7).fill(new Array(6).fill('undefined')) },
  },
  // A set-like that claims 1e15 elements: the Set methods must walk the real set, never the claimed size.
  {
    name: 'set-like claiming 1e15 elements',
    code: `const huge = { size: 1e15, has: Array.isArray, keys: Array.of };\nconst s = new Set([1, 2, 3]);\nreturn [s.isSubsetOf(huge), s.difference(huge).size, s.intersection(huge).size, s.isDisjointFrom(huge)]`,
    expect: { value: [false, 3, 0, true] },
    maxMs: 2_000,
  },
  // One flatMap callback per element (counted), each fanning out 100,000 elements that a spread collects natively:
  // Array.prototype.flatMap adds the lengths up, the iterator helper does not, so the engine's memory cap must hold.
  {
    name: 'iterator flatMap fan-out collected by a spread',
    code: `const big = new Array(100000).fill(0);\nreturn [...new Array(1000).fill(0).values().flatMap(() => big)].length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // A built-in as the callback of an iterator helper: counted per element, like arr.map(Math.abs).
  {
    name: 'iterator map with a built-in callback',
    code: `return new Array(5000).fill(-1).values().map(Math.abs).toArray().length`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // A built-in as the callback of Map.prototype.forEach over 5,000 entries made without a loop.
  {
    name: 'Map forEach with a built-in callback',
    code: `const m = new Map(Object.entries(Object.assign({}, 'x'.repeat(5000))));\nm.forEach(Math.abs);\nreturn m.size`,
    expect: { codes: ['MAX_ITERATIONS'] },
  },
  // A built-in as the replacer of replaceAll: one call per match.
  { name: 'replaceAll with a built-in replacer', code: `return 'x'.repeat(5000).replaceAll('x', Math.abs).length`, expect: { codes: ['MAX_ITERATIONS'] } },
  // Object.entries of an 8M-character string: 8 million pairs from one unguarded native call.
  { name: 'Object.entries of a long string', code: `return Object.entries('x'.repeat(8000000)).length`, expect: { codes: ['MEMORY_LIMIT'] }, maxMs: 3_000 },
  // Object.assign from a long string: a million index keys copied natively (the guard checks each key's name).
  {
    name: 'Object.assign from a long string',
    code: `return Object.keys(Object.assign({}, 'x'.repeat(1000000))).length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // encodeURIComponent writes 9 characters for each of these (no string guard wraps it): kept alive, they fill memory.
  {
    name: 'encodeURIComponent amplification kept alive',
    code: `const s = '\\u0800'.repeat(1000000);\nconst keep = [];\nfor (let i = 0; i < 20; i++) keep.push(encodeURIComponent(s));\nreturn keep.length`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
  // Upper-casing doubles each 'ß' ('SS'): 5M characters become 10M, past the string budget.
  { name: 'toUpperCase expansion', code: `return 'ß'.repeat(5000000).toUpperCase().length`, expect: { codes: ['MEMORY_LIMIT'] }, maxMs: 3_000 },
  // NFKD turns U+FDFA into 18 characters: the engine's allocation fails, and that failure must be as fatal as any other.
  {
    name: 'normalize expansion past the memory limit',
    code: `try { return '\\uFDFA'.repeat(400000).normalize('NFKD').length } catch (e) { return 'caught' }`,
    expect: { codes: ['MEMORY_LIMIT'] },
    maxMs: 3_000,
  },
];

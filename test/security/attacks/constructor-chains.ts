// Technique: reach the Function constructor (and from it the global object) through `.constructor` of every
// kind of value the script can hold, written statically or reached through destructuring and optional chains.
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const constructorChains: Attack[] = [
  // callTool (a prelude function) → Function → code from a string.
  { name: 'function value .constructor', code: `return callTool.constructor('return globalThis')()`, expect: blocked },
  // An arrow bound to a const (STANDARD allows the binding) → Function.
  { name: 'arrow .constructor', level: 'STANDARD', code: `const f = () => 1;\nreturn f.constructor('return 1 + 1')()`, expect: blocked },
  // An async arrow → AsyncFunction, which also compiles strings.
  {
    name: 'async arrow .constructor',
    level: 'STANDARD',
    code: `const f = async () => 1;\nconst g = f.constructor('return 1');\nreturn await g()`,
    expect: blocked,
  },
  // String primitive → String → Function.
  { name: 'string .constructor.constructor', code: `return 'x'.constructor.constructor('return this')()`, expect: blocked },
  // Number primitive → Number → Function.
  { name: 'number .constructor.constructor', code: `return (1).constructor.constructor('return this')()`, expect: blocked },
  // Array literal → Array → Function.
  { name: 'array .constructor.constructor', code: `return [].constructor.constructor('return this')()`, expect: blocked },
  // Object literal → Object (the real one, not the sandbox's frozen namespace).
  { name: 'object .constructor.getPrototypeOf', code: `const O = ({}).constructor;\nreturn O.getOwnPropertyNames(O.getPrototypeOf({}))`, expect: blocked },
  // Error instance → Error → Function.
  { name: 'error .constructor.constructor', code: `return new Error('x').constructor.constructor('return this')()`, expect: blocked },
  // Caught TypeError → TypeError → Function.
  { name: 'caught error .constructor', code: `try { null.x } catch (e) { return e.constructor.constructor('return 1')() }`, expect: blocked },
  // Promise → Promise (species games) → Function.
  { name: 'promise .constructor', code: `const p = Promise.resolve(1);\nreturn p.constructor.constructor('return 1')()`, expect: blocked },
  // Map → Map → Function.
  { name: 'Map .constructor', code: `return new Map().constructor.constructor('return 1')()`, expect: blocked },
  // Set → Set → Function.
  { name: 'Set .constructor', code: `return new Set().constructor.constructor('return 1')()`, expect: blocked },
  // Date → Date → Function.
  { name: 'Date .constructor', code: `return new Date().constructor.constructor('return 1')()`, expect: blocked },
  // A tool result (JSON data parsed in the sandbox) → Object → Function.
  { name: 'tool result .constructor', code: `const r = await callTool('evil:data', {});\nreturn r.constructor.constructor('return 1')()`, expect: blocked },
  // JSON.parse output → Object → Function.
  { name: 'JSON.parse output .constructor', code: `return JSON.parse('{}').constructor.constructor('return 1')()`, expect: blocked },
  // Destructuring a function: `const { constructor: F } = fn`.
  { name: 'destructuring { constructor }', code: `const { constructor: F } = callTool;\nreturn F('return 1')()`, expect: blocked },
  // Nested destructuring reaches the constructor of an inner value.
  { name: 'nested destructuring { a: { constructor } }', code: `const { a: { constructor: C } } = { a: [] };\nreturn C`, expect: blocked },
  // Destructuring in an arrow parameter (patterns are not walked as ordinary nodes).
  { name: 'destructuring in arrow parameter', code: `return [callTool].map(({ constructor: F }) => F('return 1')())`, expect: blocked },
  // Destructuring in a catch parameter.
  { name: 'destructuring in catch parameter', code: `try { null.x } catch ({ constructor: C }) { return C }`, expect: blocked },
  // Destructuring with a default that is itself a constructor chain.
  { name: 'destructuring default value', code: `const { x = [].constructor } = {};\nreturn x`, expect: blocked },
  // Optional chaining does not change the property name.
  { name: 'optional chain ?.constructor', code: `return 'x'?.constructor?.constructor('return 1')()`, expect: blocked },
  // Static computed key with a string literal.
  { name: "computed literal ['constructor']", code: `return 'x'['constructor']['constructor']('return 1')()`, expect: blocked },
  // Static computed key written as a template literal with no substitutions.
  { name: 'computed template literal key', code: 'return callTool[`constructor`](`return 1`)()', expect: blocked },
  // Static computed key spelled with escapes in the string literal.
  { name: 'computed escaped string key', code: String.raw`return callTool['\u0063onstructor']('return 1')()`, expect: blocked },
  // Escaped identifier as a property name: acorn decodes it, so the name is still `constructor`.
  { name: 'escaped identifier property', code: String.raw`return callTool.\u0063onstructor('return 1')()`, expect: blocked },
  // Shorthand destructuring with the blocked name as the binding.
  { name: 'shorthand destructuring { constructor }', code: `const { constructor } = [];\nreturn constructor`, expect: blocked },
  // Optional call on a chain through __proto__.
  { name: 'optional chain ?.__proto__', code: `return ({})?.__proto__?.polluted`, expect: blocked },
];

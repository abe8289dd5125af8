// Mutations of valid programs: character deletions, insertions and duplications, swapped tokens, hostile snippets
// (escape routes, runaways, resource bombs), invisible and BiDi characters, huge repeats and very deep nesting.
// Positions are fractions of the text, so a shrunk program keeps its mutations meaningful. No snippet holds a canary.
import fc from 'fast-check';
import { validProgram } from './programs.js';

/** What the sandbox must survive, written as attackers and confused models write it. */
export const HOSTILE_SNIPPETS: readonly string[] = [
  'constructor',
  'x.constructor',
  "[].constructor.constructor('return process')()",
  "const k = 'con' + 'structor'; [][k][k]('return this')()",
  '({}).__proto__',
  "const p = '__pro' + 'to__'; ({})[p].polluted = 1;",
  "Function('return this')()",
  "import('node:fs')",
  "await import('fs')",
  'while(true){}',
  'for(;;){}',
  "for (;;) { const s = 'x'.repeat(1e5); }",
  "eval('1')",
  'globalThis',
  'this',
  'process.env',
  "require('child_process')",
  'arguments',
  "const a = []; for (;;) { a.push('x'.repeat(1e6)); }",
  "'x'.repeat(1e9)",
  'new Array(1e9).fill(0)',
  "JSON.parse('['.repeat(1e5) + ']'.repeat(1e5))",
  'let o = [1]; for (let i = 0; i < 60; i++) { o = [o, o]; } JSON.stringify(o);',
  '[].includes.call({ length: 1e15 }, 1)',
  'Array.prototype.join.call({ length: 2 ** 32 - 1 })',
  'callTool.constructor',
  "callTool('fx:echo', {}).constructor",
  'await Promise.race([])',
  'await new Promise(() => {})',
  'Symbol.iterator',
  'new Proxy({}, {})',
  'Reflect.ownKeys({})',
  'label: for (;;) { break label; }',
  'with ({}) {}',
  'var v = 1;',
  'function f() { return f(); } f();',
  'const f = (x) => f(x); f(1);',
  'class A {}',
  '({ get x() { return 1; } })',
  'async function* g() {}',
  "await callTool('fx:' + 'echo', { text: '1' })",
  "await callTool('other:tool', {})",
  "await callTool('fx:echo', { text: 'x'.repeat(2e6) })",
  "/(a+)+$/.test('a'.repeat(30) + '!')",
  "new RegExp('(a+)+$')",
  "'aaaa'.match(/(a|a)*b/)",
  'String.raw`x`',
  'delete Object.prototype',
  '`${`${`${1}`}`}`',
  'debugger;',
  'new Date(8.64e15).toISOString()',
  "[...'x'.repeat(1e7)]",
  'new Error().stack',
  'try { null.x } catch (e) { return e.stack }',
  "console.log('x'.repeat(1e6))",
  'for (let i = 0; i < 1e6; i++) console.log(i)',
  "await parallel(new Array(1e4).fill(0), () => callTool('fx:echo', { text: '1' }), { concurrency: 1e9 })",
  "await Promise.all(new Array(200).fill(0).map(() => callTool('fx:echo', { text: '2' })))",
  'const s = new Set(); for (;;) s.add(Math.random());',
  "'x'.padEnd(2 ** 30)",
  'Math.max(...new Array(1e6).fill(1))',
  '[].concat(...new Array(1e5).fill([1]))',
  "decodeURIComponent('%')",
  'undefined.x',
  'throw 1',
  'throw { message: 1 }',
  'return new Map([[1, 2]])',
  'return () => 1',
  'return 1n',
  '__ag_x',
  'const __ag = 1',
  'Object.keys(globalThis)',
  '#!/bin/sh',
  '<!-- x',
  "\\u0065val('1')",
  'const o = { toJSON: () => 1 }; return o;',
  "return { ['__proto__']: { polluted: true } }",
  'Object.assign({}, JSON.parse(\'{"__proto__": {"x": 1}}\'))',
];

/**
 * Valid at STANDARD, hostile at run time: resource bombs, runaways, engine edge cases and odd tool traffic. Inserted
 * between statements, they reach the runtime, where the budget, the guards and the watchdog must stop them.
 */
export const RUNTIME_BOMBS: readonly string[] = [
  'const big = new Array(1e6).fill(1);',
  "let s = 'x'; for (let i = 0; i < 40; i++) { s = s + s; }",
  'for (let i = 0; i < 1e9; i++) {}',
  "const r = 'x'.repeat(2 ** 28);",
  "const r = 'ab'.padEnd(1e8, 'c');",
  'const r = new Array(2 ** 32 - 1);',
  'const r = Array.from({ length: 1e9 }, (_, i) => i);',
  'const r = [...new Array(1e7).keys()];',
  'const r = Object.fromEntries(new Array(1e6).fill(0).map((_, i) => [i, i]));',
  "const r = 'x'.repeat(1e6).split('');",
  "const r = JSON.stringify(new Array(1e5).fill('x'.repeat(100)));",
  "for (let i = 0; i < 500; i++) { console.log('x'.repeat(5e3)); }",
  "const r = 'a'.repeat(1e6).replaceAll('a', 'bb');",
  'new Date(NaN).toISOString();',
  "decodeURIComponent('%');",
  "encodeURIComponent('\uD800');",
  "[3, 1, 2].sort(() => { throw new Error('in a comparator'); });",
  "Promise.reject(new Error('nobody awaits this'));",
  "await callTool('fx:echo', { text: 1 });",
  'await callTool(\'fx:echo\', { text: \'{"__proto__": {"polluted": 1}, "constructor": {"prototype": 1}}\' });',
  "const r = await callTool('fx:echo', { text: '1'.repeat(1e6) });",
  "throw new Error('x'.repeat(1e6));",
  "return 'x'.repeat(5e6);",
  "return new Array(1e5).fill({ a: 'x'.repeat(100) });",
  'const a = [1]; for (const x of a) { a.push(x); }',
  "const m = new Map(); for (let i = 0; i < 1e9; i++) { m.set(i, 'x'.repeat(1e3)); }",
  'let o = {}; for (let i = 0; i < 1e4; i++) { o = { o }; } JSON.stringify(o);',
  'let a = []; for (let i = 0; i < 5e3; i++) { a = [a]; } return a;',
  "const r = 'x'.repeat(1e5); for (let i = 0; i < 1e9; i++) { r.indexOf('y'.repeat(1e4)); }",
  "const r = new Array(1e4).fill('x'.repeat(1e3)).join('');",
  "await Promise.all(new Array(150).fill(0).map(() => callTool('fx:echo', { text: '2' })));",
  "await parallel(new Array(300).fill(0), () => callTool('fx:echo', { text: '3' }), { concurrency: 1000 });",
  'await Promise.race([]);',
  "await callTool('fx:nope', {});",
  'const r = [1, 2, 3].map((x) => [x].map((y) => [y].map((z) => z * 2)));',
  "const r = 'é'.normalize('NFKD').repeat(1e5).normalize('NFC');",
  'const r = Number.MAX_VALUE * 10; return { r, n: 0 / 0, m: -0 };',
  'const d = new Date(8.64e15); return d.toISOString();',
  'const r = Math.max(...new Array(2e5).fill(1));',
  'const r = [].concat(...new Array(1e5).fill([1]));',
];

/** Invisible and direction-changing characters (Trojan Source), a lone surrogate, NUL, line separators. */
export const INVISIBLES = ['\u202E', '\u202D', '\u2066', '\u2069', '\u200B', '\u200D', '\uFEFF', '\u2028', '\u00AD', '\u180E', '\uDC00', '\u0000', '\r'];
/** Openers and closers of deep nesting; the middle is a plain literal. */
const NESTS: ReadonlyArray<readonly [string, string]> = [
  ['(', ')'],
  ['[', ']'],
  ['{', '}'],
  ['-(', ')'],
  ['!', ''],
  ['await (', ')'],
  ['(() => ', ')'],
  ['`${', '}`'],
  ['if (1) {', '}'],
  ['[...', ']'],
  ['x ? ', ' : 0'],
];
/** Code never grows past this (three times STANDARD's limit): enough to cross every size check. */
export const MAX_MUTATED_LENGTH = 300_000;

const at = fc.nat(10_000);
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at,
    text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(...'(){}[];,.`\'"\\/=>?:!&|+-*%')),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at, len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ kind: fc.constant('hostile' as const), at, snippet: fc.constantFrom(...HOSTILE_SNIPPETS), boundary: fc.boolean() }),
  fc.record({ kind: fc.constant('hostile' as const), at, snippet: fc.constantFrom(...RUNTIME_BOMBS), boundary: fc.constant(true) }),
  fc.record({ kind: fc.constant('invisible' as const), at, char: fc.constantFrom(...INVISIBLES) }),
  fc.record({ kind: fc.constant('repeat' as const), at, len: fc.integer({ min: 1, max: 60 }), times: fc.integer({ min: 2, max: 6_000 }) }),
  fc.record({ kind: fc.constant('nest' as const), at, nest: fc.nat(NESTS.length - 1), depth: fc.integer({ min: 1, max: 20_000 }) }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const TOKEN = /\s+|[A-Za-z_$][\w$]*|\d+|[^\s]/g;

/** `code` with one mutation applied, cut to MAX_MUTATED_LENGTH. */
export function mutate(code: string, m: Mutation): string {
  const pos = m.kind === 'swap' ? 0 : Math.floor((m.at / 10_000) * code.length);
  const splice = (text: string, cut = 0): string => code.slice(0, pos) + text + code.slice(pos + cut);
  let out: string;
  switch (m.kind) {
    case 'delete':
      out = splice('', m.len);
      break;
    case 'insert':
      out = splice(m.text);
      break;
    case 'duplicate':
      out = splice(code.slice(pos, pos + m.len));
      break;
    case 'swap': {
      const tokens = code.match(TOKEN) ?? [];
      const words = tokens.flatMap((t, k) => (/\S/.test(t) ? [k] : []));
      if (words.length >= 2) {
        const [a, b] = [words[m.i % words.length]!, words[m.j % words.length]!];
        [tokens[a], tokens[b]] = [tokens[b]!, tokens[a]!];
      }
      out = tokens.join('');
      break;
    }
    case 'hostile': {
      const line = m.boundary ? code.indexOf('\n', pos) : pos;
      const where = line < 0 ? code.length : line;
      out = `${code.slice(0, where)}${m.boundary ? `\n${m.snippet};\n` : m.snippet}${code.slice(where)}`;
      break;
    }
    case 'invisible':
      out = splice(m.char);
      break;
    case 'repeat':
      out = splice(code.slice(pos, pos + m.len).repeat(m.times));
      break;
    case 'nest': {
      const [open, close] = NESTS[m.nest]!;
      out = splice(`\n${open.repeat(m.depth)}1${close.repeat(m.depth)};\n`);
      break;
    }
  }
  return out.slice(0, MAX_MUTATED_LENGTH);
}

export const applyMutations = ({ base, mutations }: MutatedProgram): string => mutations.reduce(mutate, base);

export interface MutatedProgram {
  base: string;
  mutations: Mutation[];
}
/** Half the time any mutations, which mostly end at the validator; half the time only runtime bombs, which run. */
export const mutationList: fc.Arbitrary<Mutation[]> = fc.oneof(
  fc.array(mutation, { minLength: 1, maxLength: 3 }),
  fc.array(fc.record({ kind: fc.constant('hostile' as const), at, snippet: fc.constantFrom(...RUNTIME_BOMBS), boundary: fc.constant(true) }), {
    minLength: 1,
    maxLength: 2,
  }),
);
export const mutatedProgram: fc.Arbitrary<MutatedProgram> = fc.record({ base: validProgram, mutations: mutationList });
/** Mutated programs as text. */
export const mutatedText: fc.Arbitrary<string> = mutatedProgram.map((m) => applyMutations(m));

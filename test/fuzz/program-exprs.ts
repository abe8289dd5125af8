// Expressions of the program grammar (programs.ts), by the kind of value they produce: numbers, strings, arrays of
// numbers, objects { a: number, b: string, c: number[] }. Each kind is a list of productions; a gene's `op` picks one,
// its `kids` fill the holes. The first production of each kind is a literal, where shrinking and deep genes end.
// Values stay deterministic (no Math.random, no Date) and sorts never meet a NaN, so that the result of a program is
// what any correct engine computes: reference.ts runs them in V8 to compare.
import fc from 'fast-check';
import { type Env, type Kind, pick, withVar } from './program-env.js';

/** One choice: which production (`op`), a small number, a piece of text, and the choices below it. */
export interface Gene {
  op: number;
  n: number;
  s: string;
  kids: Gene[];
}
/** No quote, backslash, backtick or `$` (they would need escapes), and no `/` (no text is ever taken for a host path). */
const SAFE_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!?@#%&*()[]{}<>=+|^~';
export const safeText = fc.string({ unit: fc.constantFrom(...SAFE_CHARS), maxLength: 12 });
export const geneAt = (depth: number): fc.Arbitrary<Gene> =>
  fc.record({
    op: fc.nat(40),
    n: fc.integer({ min: -5, max: 40 }),
    s: safeText,
    kids: depth === 0 ? fc.constant([]) : fc.array(geneAt(depth - 1), { maxLength: 3 }),
  });
const LEAF: Gene = { op: 0, n: 1, s: 'x', kids: [] };
export const kid = (g: Gene, i: number): Gene => g.kids[i] ?? { ...LEAF, n: g.n + i, s: g.s.slice(i) };
export const small = (g: Gene, max: number): number => Math.abs(g.n) % (max + 1);
export const quote = (s: string): string => `'${s.replace(/[\\']/g, '')}'`;
export const num = (n: number): string => (n < 0 ? `(${n})` : String(n));

type Production = (g: Gene, env: Env, depth: number) => string | undefined;
/** Expressions of each kind. The first is a literal: shrinking goes there, and deep genes end there. */
const EXPR: Record<Exclude<Kind, 'fn'>, Production[]> = {
  num: [
    (g) => num(g.n),
    (g, env) => pick(env, 'num', g.n),
    (g, env, d) => `(${expr('num', kid(g, 0), env, d)} ${['+', '-', '*'][small(g, 2)]} ${expr('num', kid(g, 1), env, d)})`,
    (g, env, d) => `(${expr('num', kid(g, 0), env, d)} % (Math.abs(${expr('num', kid(g, 1), env, d)}) + 1))`,
    (g, env, d) => `Math.${['max', 'min', 'abs', 'floor', 'round', 'sign'][small(g, 5)]}(${expr('num', kid(g, 0), env, d)})`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.length`,
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.length`,
    (g, env, d) => withVar(env, 'num', (p, e) => `${expr('arr', kid(g, 0), env, d)}.reduce((acc, ${p}) => acc + ${expr('num', kid(g, 1), e, d)}, 0)`),
    (g, env, d) => `(${cond(kid(g, 0), env, d)} ? ${expr('num', kid(g, 1), env, d)} : ${expr('num', kid(g, 2), env, d)})`,
    (g, env, d) => `(parseInt(${expr('str', kid(g, 0), env, d)}, 10) || 0)`,
    (g, env, d) => `(${expr('obj', kid(g, 0), env, d)}.a ?? 0)`,
    (g, env, d) => (env.fn.length > 0 ? `${pick(env, 'fn', g.n)}(${expr('num', kid(g, 0), env, d)})` : undefined),
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.indexOf(${expr('num', kid(g, 1), env, d)})`,
    (g, env, d) => `(${expr('arr', kid(g, 0), env, d)}[${small(g, 4)}] ?? ${num(g.n)})`,
    (g, env, d) => `new Set(${expr('arr', kid(g, 0), env, d)}).size`,
    (g, env, d) => `Object.keys(${expr('obj', kid(g, 0), env, d)}).length`,
    (g, env, d) => `Number(${expr('str', kid(g, 0), env, d)}.length > ${small(g, 9)})`,
    (g, env, d) => `new Map([[${quote(g.s)}, ${expr('num', kid(g, 0), env, d)}]]).get(${quote(g.s)})`,
    (g, env, d) => `(${expr('obj', kid(g, 0), env, d)}?.c?.length ?? 0)`,
    (g, env, d) => `Math.max(...${expr('arr', kid(g, 0), env, d)}, ${expr('num', kid(g, 1), env, d)})`,
    (g, env, d) => withVar(env, 'num', (p, e) => `(${expr('arr', kid(g, 0), env, d)}.find((${p}) => ${cond(kid(g, 1), e, d)}) ?? ${num(g.n)})`),
    (g, env, d) => withVar(env, 'num', (p, e) => `${expr('arr', kid(g, 0), env, d)}.findIndex((${p}) => ${cond(kid(g, 1), e, d)})`),
    (g, env, d) => `(${expr('arr', kid(g, 0), env, d)}.at(-1) ?? ${num(g.n)})`,
    (g, env, d) => (env.async ? `(await ${echo(expr('obj', kid(g, 0), env, d))}.then((r) => r.a))` : undefined),
  ],
  str: [
    (g) => quote(g.s),
    (g, env) => pick(env, 'str', g.n),
    (g, env, d) => `\`${g.s.replace(/[`$\\{}]/g, '')}\${${expr('num', kid(g, 0), env, d)}}:\${${expr('str', kid(g, 1), env, d)}}\``,
    (g, env, d) => `(${expr('str', kid(g, 0), env, d)} + ${expr('str', kid(g, 1), env, d)}).slice(0, 60)`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.${['toUpperCase', 'toLowerCase', 'trim'][small(g, 2)]}()`,
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.join(${quote(g.s.slice(0, 2))})`,
    (g, env, d) => `JSON.stringify(${g.n % 2 ? expr('obj', kid(g, 0), env, d) : expr('arr', kid(g, 0), env, d)})`,
    (g, env, d) => `String(${expr('num', kid(g, 0), env, d)})`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.slice(${num(g.n % 5)}, ${small(g, 20)})`,
    (g, env, d) => `(${cond(kid(g, 0), env, d)} ? ${expr('str', kid(g, 1), env, d)} : ${expr('str', kid(g, 2), env, d)})`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.repeat(${small(g, 3)})`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.padStart(${small(g, 16)}, '*')`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.split('').reverse().join('')`,
    (g, env, d) => `encodeURIComponent(${expr('str', kid(g, 0), env, d)})`,
    (g, env, d) => `${expr('obj', kid(g, 0), env, d)}.b`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.replaceAll(${quote(g.s.slice(0, 1) || 'a')}, '-')`,
    (g, env, d) => `Object.keys(${expr('obj', kid(g, 0), env, d)}).join('|')`,
    (g, env, d) => `Object.entries(${expr('obj', kid(g, 0), env, d)}).map(([k, v]) => \`\${k}=\${v}\`).join('&')`,
    (g, env, d) => `(${expr('str', kid(g, 0), env, d)}.at(${num(g.n % 4)}) ?? '')`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.charAt(${small(g, 5)})`,
  ],
  arr: [
    (g, env, d) => `[${g.kids.map((k) => expr('num', k, env, d)).join(', ')}]`,
    (g, env) => pick(env, 'arr', g.n),
    (g, env, d) => withVar(env, 'num', (p, e) => `${expr('arr', kid(g, 0), env, d)}.map((${p}) => ${expr('num', kid(g, 1), e, d)})`),
    (g, env, d) => withVar(env, 'num', (p, e) => `${expr('arr', kid(g, 0), env, d)}.filter((${p}) => ${cond(kid(g, 1), e, d)})`),
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.slice(${num(g.n % 4)}, ${small(g, 8)})`,
    (g, env, d) => `[...${expr('arr', kid(g, 0), env, d)}, ${expr('num', kid(g, 1), env, d)}].slice(0, 24)`,
    // Finite numbers only: with a NaN the comparator is inconsistent, and engines may then order differently.
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.filter((x) => Number.isFinite(x)).sort((x, y) => x - y)`,
    (g, env, d) => `${expr('str', kid(g, 0), env, d)}.split('').map((c) => c.charCodeAt(0))`,
    (g, env, d) => withVar(env, 'num', (p, e) => `Array.from({ length: ${small(g, 8)} }, (_, ${p}) => ${expr('num', kid(g, 0), e, d)})`),
    (g, env, d) => `new Array(${small(g, 8)}).fill(${expr('num', kid(g, 0), env, d)})`,
    (g, env, d) => `${expr('obj', kid(g, 0), env, d)}.c`,
    (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.concat(${expr('arr', kid(g, 1), env, d)}).slice(0, 24)`,
    (g, env, d) => `[...new Set(${expr('arr', kid(g, 0), env, d)})]`,
    (g, env, d) => withVar(env, 'num', (p) => `${expr('arr', kid(g, 0), env, d)}.flatMap((${p}) => [${p}, ${p} + 1]).slice(0, 24)`),
    (g, env, d) => `Object.values(${expr('obj', kid(g, 0), env, d)}).filter((v) => typeof v === 'number')`,
    (g, env, d) => `[...new Map([[${quote(g.s)}, ${expr('num', kid(g, 0), env, d)}]]).values()]`,
  ],
  obj: [
    // Parenthesized: at the start of a statement or an arrow's body, a bare { … } would be a block.
    (g, env, d) => `({ a: ${expr('num', kid(g, 0), env, d)}, b: ${expr('str', kid(g, 1), env, d)}, c: ${expr('arr', kid(g, 2), env, d)} })`,
    (g, env) => pick(env, 'obj', g.n),
    (g, env, d) => `({ ...${expr('obj', kid(g, 0), env, d)}, a: ${expr('num', kid(g, 1), env, d)} })`,
    (g, env, d) => `JSON.parse(JSON.stringify(${expr('obj', kid(g, 0), env, d)}))`,
    (g, env, d) => (env.async ? `(await ${echo(expr('obj', kid(g, 0), env, d))})` : undefined),
    (g, env, d) => `Object.assign({}, ${expr('obj', kid(g, 0), env, d)}, { b: ${expr('str', kid(g, 1), env, d)} })`,
    (g, env, d) => `(${cond(kid(g, 0), env, d)} ? ${expr('obj', kid(g, 1), env, d)} : ${expr('obj', kid(g, 2), env, d)})`,
    (g, env, d) => `Object.fromEntries(Object.entries(${expr('obj', kid(g, 0), env, d)}))`,
    (g, env, d) =>
      env.async ? `(await ${echo(expr('obj', kid(g, 0), env, d))}.catch(() => ${expr('obj', kid(g, 1), { ...env, async: false }, d)}))` : undefined,
  ],
};

/** A call to the echo tool that answers with `obj`. */
export const echo = (obj: string): string => `callTool('fx:echo', { text: JSON.stringify(${obj}) })`;

/** An expression of `kind`; past depth 5 only literals and names. */
export function expr(kind: Exclude<Kind, 'fn'>, g: Gene, env: Env, depth: number): string {
  const productions = EXPR[kind];
  const choices = depth > 5 ? productions.slice(0, 2) : productions;
  return choices[g.op % choices.length]!(g, env, depth + 1) ?? productions[0]!(g, env, depth + 1)!;
}

const CONDITIONS: Production[] = [
  (g, env, d) => `${expr('num', kid(g, 0), env, d)} > ${expr('num', kid(g, 1), env, d)}`,
  (g, env, d) => `${expr('str', kid(g, 0), env, d)}.length === ${small(g, 5)}`,
  (g, env, d) => `${expr('arr', kid(g, 0), env, d)}.includes(${expr('num', kid(g, 1), env, d)})`,
  (g, env, d) => `${expr('str', kid(g, 0), env, d)}.startsWith(${quote(g.s.slice(0, 2))})`,
  (g, env, d) => `(${expr('num', kid(g, 0), env, d)} % 2 === 0 && ${expr('str', kid(g, 1), env, d)} !== '')`,
  (g, env, d) => `Array.isArray(${expr('arr', kid(g, 0), env, d)}) || !${expr('num', kid(g, 1), env, d)}`,
  (g, env, d) => withVar(env, 'num', (p, e) => `${expr('arr', kid(g, 0), env, d)}.${g.n % 2 ? 'some' : 'every'}((${p}) => ${cond(kid(g, 1), e, d)})`),
  (g, env, d) => `new Set(${expr('arr', kid(g, 0), env, d)}).has(${expr('num', kid(g, 1), env, d)})`,
  (g, env, d) => `(Number.isInteger(${expr('num', kid(g, 0), env, d)}) && ${expr('str', kid(g, 1), env, d)}.endsWith(${quote(g.s.slice(-1))}))`,
];
export function cond(g: Gene, env: Env, depth: number): string {
  return depth > 5 ? `${num(g.n)} > 3` : CONDITIONS[g.op % CONDITIONS.length]!(g, env, depth + 1)!;
}

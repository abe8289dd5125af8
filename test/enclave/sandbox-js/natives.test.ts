// natives.js: no built-in loops past the budget. Every Array.prototype method checks the length it is about to
// walk before it runs (in raw code too, with no transform in front), array-likes may not answer the check one
// length and the loop another, each callback a built-in calls is counted, and strings are refused before they grow.
import { describe, expect, it } from 'vitest';
import { codeOf, runInSandbox, valueOf } from './harness.js';

/** Every method of Array.prototype that walks or rewrites a receiver's length (all but the constructor). */
const ARRAY_METHODS = [
  'at',
  'concat',
  'copyWithin',
  'entries',
  'every',
  'fill',
  'filter',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'flat',
  'flatMap',
  'forEach',
  'includes',
  'indexOf',
  'join',
  'keys',
  'lastIndexOf',
  'map',
  'pop',
  'push',
  'reduce',
  'reduceRight',
  'reverse',
  'shift',
  'slice',
  'some',
  'sort',
  'splice',
  'toLocaleString',
  'toReversed',
  'toSorted',
  'toSpliced',
  'toString',
  'unshift',
  'values',
  'with',
];
const argsFor = (m: string): string =>
  ['every', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flatMap', 'forEach', 'map', 'some'].includes(m)
    ? '(x) => x'
    : m === 'reduce' || m === 'reduceRight'
      ? '(a, x) => a, 0'
      : m === 'with'
        ? '0, 1'
        : '1';

describe('array-likes of a huge length are refused before any native loop', () => {
  it.each(ARRAY_METHODS)('Array.prototype.%s on { length: 1e15 }, raw', async (method) => {
    const started = Date.now();
    const run = await runInSandbox(`return [].${method}.call({ length: 1e15 }, ${argsFor(method)});`, { raw: true });
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
    expect(Date.now() - started).toBeLessThan(3000);
  });
  it.each(['join', 'forEach', 'lastIndexOf', 'reverse', 'includes'])('%s on a real array of length 2**32-1', async (method) => {
    const run = await runInSandbox(`const a = [];\na.length = 4294967295;\nreturn a.${method}(${argsFor(method)});`);
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
  });
  it('an array-like whose length is a getter is refused (it could answer the check one number and the loop another)', async () => {
    const run = await runInSandbox('let n = 0;\nconst o = { get length() { n++; return n === 1 ? 1 : 1e15; } };\nreturn [].indexOf.call(o, 5);', { raw: true });
    expect(codeOf(run)).toBe('RUNTIME_ERROR');
    expect(run.done.error?.message).toMatch(/length getter/);
  });
  it('an array-like whose length is an object is refused (valueOf could answer twice)', async () => {
    const run = await runInSandbox('return [].indexOf.call({ length: { valueOf: () => 3 } }, 5);', { raw: true });
    expect(run.done.error?.message).toMatch(/must be a number/);
  });
  it('ordinary array-likes and arrays still work', async () => {
    expect(
      valueOf(await runInSandbox("return [[].join.call({ length: 2, 0: 'a', 1: 'b' }, '-'), [1, 2, 3].includes(2), Array.from({ length: 3 }, (_, i) => i)];")),
    ).toEqual(['a-b', true, [0, 1, 2]]);
  });
});

describe('callbacks of built-ins are counted', () => {
  const counted: [string, string, number][] = [
    ['Array.prototype.sort comparator', 'const a = [5, 3, 1, 4, 2];\na.sort((x, y) => x - y);\nreturn a;', 1],
    ['Map.prototype.forEach', 'let n = 0;\nnew Map([[1, 1], [2, 2], [3, 3]]).forEach(() => n++);\nreturn n;', 3],
    ['Set.prototype.forEach', 'let n = 0;\nnew Set([1, 2, 3, 4]).forEach(() => n++);\nreturn n;', 4],
    ['iterator helper map', 'return [1, 2, 3].values().map((x) => x * 2).toArray();', 3],
    ['Array.from with a map function', 'return Array.from([1, 2, 3], (x) => x);', 3],
    ['String.prototype.replaceAll with a function', "return 'aaaa'.replaceAll('a', () => 'b');", 4],
    ['JSON.parse reviver', "return JSON.parse('[1,2,3]', (k, v) => v);", 4],
    ['JSON.stringify replacer', 'return JSON.stringify([1, 2], (k, v) => v);', 3],
  ];
  it.each(counted)('%s', async (_name, code, atLeast) => {
    const run = await runInSandbox(code);
    valueOf(run);
    expect(run.done.iterations).toBeGreaterThanOrEqual(atLeast);
  });
  it('a built-in passed as the callback is counted too (forEach(Math.abs) over 2,000 items ends with MAX_ITERATIONS)', async () => {
    expect(codeOf(await runInSandbox('new Array(2000).fill(1).forEach(Math.abs);\nreturn 1;'))).toBe('MAX_ITERATIONS');
  });
});

describe('strings are refused before they grow past the budget', () => {
  it.each([
    ["'x'.repeat(1e9)"],
    ["''.padStart(1e9, 'x')"],
    ["''.padEnd(1e9, 'x')"],
    ["'x'.repeat(1e6).replaceAll('', 'yyyyyyyyyy')"],
    ["'x'.repeat(4e6).concat('x'.repeat(4e6), 'x'.repeat(4e6))"],
  ])('%s', async (expr) => {
    const started = Date.now();
    expect(codeOf(await runInSandbox(`return ${expr}.length;`, { raw: true }))).toBe('MEMORY_LIMIT');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

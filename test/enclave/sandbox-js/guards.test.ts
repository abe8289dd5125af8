// guards.js: what the transform writes into scripts and the restricted stand-ins for built-ins. `new` reaches only
// the real allowed constructors whatever name or alias the script uses; computed keys never reach constructors or
// prototypes; the Array global checks lengths through any alias; Object.assign / fromEntries refuse blocked keys;
// a promise rejection handler is a catch block for the limit guard.
import { describe, expect, it } from 'vitest';
import { codeOf, runInSandbox, valueOf } from './harness.js';

describe('new', () => {
  it('refuses a constructor hidden behind an allowed name: [Promise].map((Map) => new Map(…))', async () => {
    const run = await runInSandbox('return [Promise].map((Map) => new Map((r) => r(1)));');
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
    expect(run.done.error?.message).toMatch(/`new` is allowed only for/);
  });
  // The validator judges `new` by the callee's name, so these run raw: the run-time guard judges the value.
  const ctor = (code: string) => code.replace(/new (\w+)\(/g, 'new (__ag_n($1))(');
  it('allows the real constructors through aliases (raw, with only the guard the transform writes)', async () => {
    const code = ctor(
      'const D = Date;\nconst M = Map;\nconst A = Array;\nreturn [new D(0).getTime(), new M([[1, 2]]).get(1), new A(2).length, new Error("x").message, new Set([1, 1]).size];',
    );
    expect(valueOf(await runInSandbox(code, { raw: true }))).toEqual([0, 2, 2, 'x', 1]);
  });
  it('refuses any other constructor through the guard (raw)', async () => {
    expect(codeOf(await runInSandbox(ctor('const P = Promise;\nreturn new P((r) => r(1));'), { raw: true }))).toBe('VALIDATION_ERROR');
  });
  it('an aliased Array constructor still checks lengths', async () => {
    expect(codeOf(await runInSandbox(ctor('const A = Array;\nreturn new A(1e9).length;'), { raw: true }))).toBe('MEMORY_LIMIT');
    expect(codeOf(await runInSandbox('const A = Array;\nreturn A(1e9).length;'))).toBe('MEMORY_LIMIT');
  });
  it('Array does not expose Array.prototype, and instanceof still works', async () => {
    expect(valueOf(await runInSandbox('const k = "proto" + "type";\nreturn [[] instanceof Array, ({}) instanceof Array];'))).toEqual([true, false]);
    expect(valueOf(await runInSandbox('return typeof Array.prototype;', { raw: true }))).toBe('undefined');
  });
});

describe('computed keys', () => {
  it.each(['constructor', '__proto__', 'prototype', '__defineGetter__'])('a key built at run time: %s', async (key) => {
    const [a, b] = [key.slice(0, 3), key.slice(3)];
    const run = await runInSandbox(`const k = '${a}' + '${b}';\nconst o = {};\nreturn typeof o[k];`);
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
  });
  it('an object key is coerced once: it cannot answer the check one name and the access another', async () => {
    const run = await runInSandbox(
      "let n = 0;\nconst name = () => (n++ === 0 ? 'x' : 'constructor');\nconst k = { toString: name };\nconst o = { x: 1 };\nreturn o[k];",
      { level: 'STANDARD' },
    );
    expect(valueOf(run)).toBe(1);
  });
});

describe('Object.assign and Object.fromEntries', () => {
  it.each([
    ['assign from parsed JSON with __proto__', 'const src = JSON.parse(\'{"__proto__": {"x": 1}}\');\nreturn Object.assign({}, src).x;'],
    ['fromEntries with constructor', "return Object.fromEntries([['constructor', 1]]);"],
  ])('%s', async (_name, code) => {
    expect(codeOf(await runInSandbox(code))).toBe('VALIDATION_ERROR');
  });
  it('ordinary uses work', async () => {
    expect(valueOf(await runInSandbox("return [Object.assign({ a: 1 }, { b: 2 }), Object.fromEntries([['c', 3]])];"))).toEqual([{ a: 1, b: 2 }, { c: 3 }]);
  });
});

describe('promise handlers', () => {
  it('a limit reaching .catch ends the run', async () => {
    const run = await runInSandbox("const p = Promise.resolve().then(() => { for (;;) {} });\nreturn await p.catch(() => 'swallowed');");
    expect(codeOf(run)).toBe('MAX_ITERATIONS');
  });
  it('Promise.allSettled does not hand a limit back as a rejected entry', async () => {
    const run = await runInSandbox('const rs = await Promise.allSettled([Promise.resolve().then(() => { for (;;) {} })]);\nreturn rs[0].status;');
    expect(codeOf(run)).toBe('MAX_ITERATIONS');
  });
  it('.finally, .catch and .then chains work', async () => {
    expect(
      valueOf(
        await runInSandbox(
          "let seen = 0;\nconst v = await Promise.reject(new Error('x')).catch((e) => e.message).finally(() => { seen = 1; });\nreturn [v, seen];",
        ),
      ),
    ).toEqual(['x', 1]);
  });
});

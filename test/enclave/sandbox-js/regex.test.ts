// regex.js: at STRICT no pattern reaches a regular-expression engine by any path (the context has none); from
// SECURE up every pattern that runs, literal or built at run time, has passed the host's ReDoS check, and a script
// cannot plant an own `exec` that would run a pattern past it.
import { describe, expect, it } from 'vitest';
import { codeOf, runInSandbox, valueOf } from './harness.js';

describe('STRICT: no engine at all', () => {
  it.each([
    ['a literal (raw, no validator)', 'return /a+/.test("aaa");'],
    ['match with a string (raw)', "return 'abc'.match('b');"],
    ['matchAll with a string (raw)', "return [...'abc'.matchAll('b')].length;"],
    ['search with a string (raw)', "return 'abc'.search('b');"],
  ])('%s ends with VALIDATION_ERROR', async (_name, code) => {
    const run = await runInSandbox(code, { raw: true });
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
    expect(run.done.error?.message).toMatch(/Regular expressions are not available/);
  });
  it("a pattern smuggled through an array and a computed method name: 'abc123'['mat' + 'ch'](['[0-9]+'])", async () => {
    const run = await runInSandbox("return 'abc123'['mat' + 'ch'](['[0-9]+']);");
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
  });
  it('string split and replace still work: they take no pattern', async () => {
    expect(valueOf(await runInSandbox("return ['a,b,c'.split(','), 'a-b'.replace('-', '+'), 'aaa'.replaceAll('a', 'b')];"))).toEqual([
      ['a', 'b', 'c'],
      'a+b',
      'bbb',
    ]);
  });
});

describe('SECURE: every pattern is checked where it runs', () => {
  it('an unsafe literal in raw code (no validator) is refused before it runs', async () => {
    const started = Date.now();
    const run = await runInSandbox("return /^(a|A)+$/i.test('a'.repeat(30) + '!');", { raw: true, level: 'SECURE' });
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
    expect(run.done.error?.message).toMatch(/catastrophic backtracking/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
  it('the check understands flags: the same pattern without `i` runs', async () => {
    expect(valueOf(await runInSandbox("return /^(a|A)+$/.test('aAaA');", { raw: true, level: 'SECURE' }))).toBe(true);
  });
  it.each([
    ['match with an array', "return 'a'.repeat(28).concat('!').match(['^(a|a)+$']);"],
    ['search with a string', "return 'a'.repeat(28).concat('!').search('^(a+)+$');"],
    ['split with a string pattern through matchAll', "return [...'a'.repeat(28).concat('!').matchAll('(a|aa)+$')].length;"],
  ])('a pattern built at run time: %s', async (_name, code) => {
    const run = await runInSandbox(code, { level: 'SECURE' });
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
  });
  it('a literal cannot be given an own exec that would bypass the checked one', async () => {
    const run = await runInSandbox("const r = /(a|a)+$/;\nr.exec = null;\nreturn 'aaa'.replace(r, 'b');", { raw: true, level: 'SECURE' });
    // Refused either at the literal (unsafe) or at the assignment (not extensible): never run unchecked.
    expect(codeOf(run)).not.toBeUndefined();
    const safe = await runInSandbox("const r = /a/g;\ntry { r.exec = null; } catch (e) { return 'refused'; }\nreturn 'planted';", { level: 'SECURE' });
    expect(valueOf(safe)).toBe('refused');
  });
  it('RegExp.prototype.compile (recompiles an object in place) is gone', async () => {
    expect(valueOf(await runInSandbox('return typeof /a/.compile;', { raw: true, level: 'SECURE' }))).toBe('undefined');
  });
  it('safe patterns work through every method', async () => {
    const code =
      "const s = 'a1b22c333';\nreturn [s.replace(/[0-9]+/g, '#'), s.split(/[0-9]+/), s.match(/[0-9]+/g), [...s.matchAll(/[a-z]/g)].length, s.search(/b/), /c/.test(s)];";
    expect(valueOf(await runInSandbox(code, { level: 'SECURE' }))).toEqual(['a#b#c#', ['a', 'b', 'c', ''], ['1', '22', '333'], 3, 2, true]);
  });
});

// The ReDoS check ignored flags (issue 8): at SECURE, /^(a|A)+$/i.test('a'.repeat(30) + '!') passed validation
// and ran until the watchdog (15–18 s). The check now reads patterns with their flags (regexpp), literal or built
// at run time, before any of them runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, validate } from '../../src/enclave/index.js';

const secure = new Enclave({ securityLevel: 'SECURE' });
// Started first: the bounds below time a refusal, not a loaded machine starting the pool's threads.
beforeAll(async () => {
  await secure.run('return 1;');
});
afterAll(() => secure.dispose());

describe('flags change the verdict', () => {
  it.each([
    ['i folds case', "return /^(a|A)+$/i.test('a'.repeat(30) + '!');"],
    ['s lets . take line ends', "return /^(.|\\n)+$/s.test('a'.repeat(30) + '!');"],
    ['i on a class pair', "return /^([a-z]|[A-Z])+$/i.test('a'.repeat(30) + '!');"],
  ])('%s: refused by validation', async (_name, code) => {
    expect(validate(code, { securityLevel: 'SECURE' }).issues.map((i) => i.rule)).toContain('unsafe-regex');
    const t0 = performance.now();
    expect((await secure.run(code)).error?.code).toBe('VALIDATION_ERROR');
    expect(performance.now() - t0).toBeLessThan(3000);
  });
  it('the same patterns without the flag run (control)', async () => {
    expect(await secure.run("return [/^(a|A)+$/.test('aAaA'), /^(.|\\n)+$/.test('ab')];")).toMatchObject({ success: true, value: [true, true] });
  });
});

describe('patterns built at run time are checked where they run', () => {
  it.each([
    ['match with an array', "return 'a'.repeat(28).concat('!').match(['^(a|a)+$']);"],
    ['search with a string', "return 'a'.repeat(28).concat('!').search('^(a+)+$');"],
    ['matchAll with a string', "return [...'a'.repeat(28).concat('!').matchAll('(a|aa)+$')].length;"],
  ])('%s', async (_name, code) => {
    const t0 = performance.now();
    const r = await secure.run(code);
    expect(r.error?.code).toBe('VALIDATION_ERROR');
    expect(r.error?.message).toMatch(/catastrophic backtracking/);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

// regexRisk(pattern): the ReDoS pre-check for regular-expression literals (SECURE and up).
import { describe, expect, it } from 'vitest';
import { regexRisk } from '../../src/enclave/regex-safety.js';
import { validate } from '../../src/enclave/index.js';

describe('regexRisk: risky patterns', () => {
  const risky: Array<[string, RegExp]> = [
    ['(a+)+', /repetition/],
    ['^(a+)+$', /repetition/],
    ['(a*)*b', /repetition/],
    ['(.*)*', /repetition/],
    ['([a-z]+)*', /repetition/],
    ['(\\w+\\s?)+$', /repetition/],
    ['(?:a+)+', /repetition/], // non-capturing groups too
    ['(a{1,})+', /repetition/], // {n,} is unbounded
    ['(a+){2,}', /repetition/],
    ['(a|ab)*', /alternatives/],
    ['(a|aa)+$', /alternatives/],
    ['(a)\\1', /backreference/],
    ['(?<q>[\'"]).*?\\k<q>', /backreference/],
    ['(a)\\1+', /backreference/],
    // Bounded repetition of an ambiguous body: the ways multiply with the count.
    ['^(a?){28}a{28}$', /repetition/],
    ['^(a{1,99}){1,99}$', /repetition/],
    ['((a{1,9}){1,9}){1,9}', /repetition/],
    ['(a?){17}', /repetition/], // 2^17 ways
    // Ambiguity that comes from inside the body.
    ['(\\d+\\.?)+', /repetition/],
    ['([\\w.]+\\.)+$', /repetition/], // [\w.]+ can swallow the \. and repeat
    ['((a+)b?)+', /repetition/],
    ['(x+x+)+y', /repetition/],
    ['(?=(a+)+)', /repetition/], // inside a lookahead too
    // Alternatives that can match the same text.
    ['(\\w|\\d)+', /alternatives/],
    ['(a|b|ab)*', /alternatives/],
    ['(a|)+', /alternatives/],
    // Adjacent repetitions over the same characters: n^k.
    ['^\\d*\\d*\\d*\\d*\\d*\\d*x$', /adjacent/],
    ['\\w+\\w+\\w+', /adjacent/],
    ['.*.*.*', /adjacent/],
    ['\\w+\\s*\\w+\\s*\\w+!', /adjacent/], // \s* can be empty
    ['(\\d*)(\\d*)(\\d*)x', /adjacent/], // groups do not separate them
    ['x'.repeat(257), /longer than/],
    [`(${'ab|'.repeat(100)}c)`, /longer than/],
  ];
  for (const [pattern, reason] of risky) {
    it(`${pattern.length > 40 ? `${pattern.slice(0, 20)}… (${pattern.length} chars)` : pattern}`, () => {
      const risk = regexRisk(pattern);
      expect(risk).not.toBeNull();
      expect(risk!).toMatch(reason);
    });
  }
});

describe('regexRisk: ordinary patterns', () => {
  const ordinary = [
    'abc',
    '^[a-z0-9_-]+$',
    '\\d{3}-\\d{4}',
    '^(foo|bar)$', // alternation that is not repeated
    '(\\d+)-(\\d+)', // repetition inside groups that are not repeated
    '^\\s*$',
    'a+b+',
    '(?:ab)+',
    '(a+){1,5}', // bounded repetition of a group
    '(ab|cd){1,3}',
    '[(]+', // brackets inside a class are not groups
    '\\(a+\\)+', // escaped parentheses are not groups
    '^https?://[^/\\s]+/',
    '^[\\w.+-]+@[\\w-]+\\.[a-z]{2,}$',
    'x'.repeat(256), // exactly at the length limit
    // Realistic orchestration patterns.
    '\\d{4}-\\d{2}-\\d{2}',
    '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?$',
    '^[\\w.-]+@[\\w.-]+$',
    '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}',
    '^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-([\\w.-]+))?$',
    '^(?:[a-z0-9-]+\\.)+[a-z]{2,}$', // each repetition ends at a dot its body cannot take
    '(\\d{1,3}\\.){3}\\d{1,3}',
    '^(\\w+)\\s*:\\s*(.*)$',
    '\\s*,\\s*',
    '^#{1,6}\\s+(.*)$',
    '"([^"\\\\]|\\\\.)*"', // a string literal with escapes: the alternatives start differently
    '(?<year>\\d{4})-(?<month>\\d{2})',
    '\\b[A-Z]{2,}-\\d+\\b',
    '\\p{L}+',
    '.*error.*',
    // Repetition that cannot split one text two ways.
    '(a|b)+',
    '(foo|bar)+',
    '(abc|abd)+', // same start, but no text matches both
    '(ab?)+',
    '([^"]*")*',
    '(\\w+\\.)+',
    '(\\s*\\w+\\s*,)*',
    '(a?){16}', // 65,536 ways: bounded
  ];
  for (const pattern of ordinary) {
    it(pattern.length > 40 ? `${pattern.slice(0, 20)}… (${pattern.length} chars)` : pattern, () => {
      expect(regexRisk(pattern)).toBeNull();
    });
  }
});

describe('regexRisk: cost of the check itself', () => {
  it('stays under a few milliseconds for the largest patterns', () => {
    const patterns = ['\\d*'.repeat(85), `${'a|'.repeat(127)}b`, '(a|b|c|d)'.repeat(28), `${'('.repeat(84)}a${')*'.repeat(84)}`, 'abcdefgh'.repeat(32)];
    for (const p of patterns) regexRisk(p); // warm up
    const started = performance.now();
    for (const p of patterns) regexRisk(p);
    expect(performance.now() - started).toBeLessThan(50);
  });
  it('never throws on what acorn accepts', () => {
    for (const p of ['', '(?:)', '[]', '[^]', '\\u{1F600}+', '\\xZ', '\\cJ', 'a{,5}', '}', '(?<=a)b', '(?<!a)b', '(?i:a)+', '[\\d-z]+', '\\0']) {
      expect(() => regexRisk(p)).not.toThrow();
    }
  });
});

describe('regexRisk in the validator', () => {
  it('a risky literal is reported at its position at SECURE', () => {
    const r = validate("const email = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!';\nconst ok = /^([a-z]+)*@/.test(email);\nreturn ok;", { securityLevel: 'SECURE' });
    expect(r.valid).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ rule: 'unsafe-regex', line: 2, column: 12 }));
  });
  it('an ordinary literal passes at SECURE, STANDARD and PERMISSIVE', () => {
    for (const securityLevel of ['SECURE', 'STANDARD', 'PERMISSIVE'] as const) {
      const r = validate("const line = 'id=42';\nconst m = line.match(/^id=(\\d+)$/);\nreturn m ? Number(m[1]) : null;", { securityLevel });
      expect(r.issues).toEqual([]);
    }
  });
});

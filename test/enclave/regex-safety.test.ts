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
  ];
  for (const pattern of ordinary) {
    it(pattern.length > 40 ? `${pattern.slice(0, 20)}… (${pattern.length} chars)` : pattern, () => {
      expect(regexRisk(pattern)).toBeNull();
    });
  }
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

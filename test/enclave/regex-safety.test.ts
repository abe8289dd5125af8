// regexRisk(pattern, flags): the ReDoS check for regular expressions (SECURE and up), literal or built at run time.
// The verdicts are checked against themselves (rule and flag tables), against the host's case folding, and
// against QuickJS, the engine the check protects: what it flags must really backtrack there, what it allows must not.
import releaseSyncExport from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, shouldInterruptAfterDeadline, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCAN_END } from '../../src/enclave/regex-case-table.js';
import { foldCase } from '../../src/enclave/regex-case.js';
import { hasPoint, one, range } from '../../src/enclave/regex-charset.js';
import { regexRisk, UNREADABLE } from '../../src/enclave/regex-safety.js';
import { validate } from '../../src/enclave/index.js';
import { cpuTimed } from '../cpu-time.js';

const ALTERNATIVES = /alternatives/;
const REPETITION = /repetition/;
const ADJACENT = /adjacent/;

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

describe('regexRisk: the rule table, one rule at a time', () => {
  // Each rule's own example is flagged with its reason; the nearest safe pattern is not.
  const rules: Array<[rule: string, flagged: string, reason: RegExp, nearMiss: string]> = [
    ['backreference', '(a)\\1', /backreference/, '(a)1'],
    ['alternatives matching the same text', '(a|aa)*', ALTERNATIVES, '(a|b)*'],
    ['alternatives, one class inside another', '(\\w|\\d)+', ALTERNATIVES, '(\\w|-)+'],
    ['repetition inside repetition', '(a+)+', REPETITION, '(ab+)+'],
    ['repetition that can trade characters', '(\\w+\\s?)*', REPETITION, '(\\w+\\s)*'],
    ['bounded repetition with many ways', '(a?){28}', REPETITION, '(a?){16}'],
    ['bounded repetition of a bounded repetition', '(a{1,99}){1,99}', REPETITION, '(a+){1,5}'],
    ['three adjacent repetitions', '\\d*\\d*\\d*x', ADJACENT, '\\d*\\d*x'],
    ['three adjacent repetitions across literals', '.*a.*a.*', ADJACENT, '\\d{2,4}\\d{2,4}\\d{2,4}'],
    ['pattern length', 'x'.repeat(257), /longer than 256/, 'x'.repeat(256)],
    ['syntax the parser refuses', '(a', /cannot read/, '\\(a'],
  ];
  for (const [rule, flagged, reason, nearMiss] of rules) {
    it(`${rule}: ${flagged.slice(0, 20)} is flagged, ${nearMiss.slice(0, 20)} is not`, () => {
      expect(regexRisk(flagged)).toMatch(reason);
      expect(regexRisk(nearMiss)).toBeNull();
    });
  }
});

describe('regexRisk: flags change the verdict where they change matching', () => {
  // [pattern, flags, verdict, the same pattern's other flags, verdict there]: a verdict is a reason or null.
  type Verdict = RegExp | null;
  const pairs: Array<[pattern: string, flags: string, verdict: Verdict, otherFlags: string, otherVerdict: Verdict]> = [
    // i folds case: the branches of (a|A) become one text matched two ways (issue 8: 15–18 s until the watchdog).
    ['^(a|A)+$', 'i', ALTERNATIVES, '', null],
    ['(x|X)*y', 'i', ALTERNATIVES, '', null],
    ['([a-z]|[A-Z])+$', 'i', ALTERNATIVES, '', null],
    ['(é|É)+$', 'i', ALTERNATIVES, '', null], // beyond ASCII, through the case table
    ['([^a-z]|A)+$', 'i', null, '', ALTERNATIVES], // a negated class is complemented after folding: [^a-z]/i has no A
    ['(\\W|ſ)+$', 'iu', null, 'u', ALTERNATIVES], // \W/iu leaves out ſ, which folds to s (ECMA-262 WordCharacters)
    ['^(a+A)+$', 'i', REPETITION, '', null], // a+ can swallow the A once case is ignored
    // s lets . take line terminators.
    ['(.|\\n)+$', 's', ALTERNATIVES, '', null],
    ['(.|\\u2028)+$', 's', ALTERNATIVES, '', null],
    ['^.*\\n.*\\n.*x', 's', ADJACENT, '', null],
    // u: a character is a code point, \u{…} and \p{…} are escapes, K (U+212A) and ſ fold to k and s.
    ['(\\p{L}|a)+$', 'u', ALTERNATIVES, '', null], // without u, \p{L} is the text "p{L}"
    ['(\\p{L}|é)+$', 'u', ALTERNATIVES, '', null], // a property is known exactly over ASCII only, and may hold any letter beyond
    ['(\\p{L}|\\d)+$', 'u', null, '', null], // ... which is enough to tell letters from digits
    ['(\\u{61}|a)+$', 'u', ALTERNATIVES, '', null], // without u, \u{61} is "u" 61 times
    ['^(?:😀|\\uD83D.)+$', 'u', null, '', ALTERNATIVES], // without u, 😀 is the pair \uD83D\uDE00
    ['(\\u212a|k)+$', 'iu', ALTERNATIVES, 'i', null],
    ['(\\p{Lu}|a)+$', 'iu', ALTERNATIVES, 'u', null], // a large set folds through the cased characters outside it
    ['(ſ|s)+$', 'iu', ALTERNATIVES, 'i', null],
    ['[😀-😂]+', 'u', null, '', /cannot read/], // without u, a range between two surrogate pairs is out of order
    // v: class set operations and strings; \P{…} complemented after folding.
    ['^([\\w--\\d]|\\d)+$', 'v', null, '', ALTERNATIVES], // without v, [\w--\d] is \w, "-" and \d
    ['^([\\w&&\\d]|[a-z])+$', 'v', null, '', ALTERNATIVES],
    ['^[\\q{a|aa}]+$', 'v', ALTERNATIVES, '', null], // the strings a and aa, as in (a|aa)+
    ['\\p{RGI_Emoji}+', 'v', ALTERNATIVES, '', null], // 👍 and 👍🏽 are both emoji
    ['(\\P{Lu}|[A-Z])+$', 'iu', ALTERNATIVES, 'iv', null], // /\P{Lu}/iu matches A; /\P{Lu}/iv does not
    // Modifiers apply flags to a group only.
    ['^(?i:a|A)+$', '', ALTERNATIVES, 'i', ALTERNATIVES],
    ['^(?-i:a|A)+$', 'i', null, '', null],
    ['(?s:.|\\n)+$', '', ALTERNATIVES, 's', ALTERNATIVES],
    // m only moves the anchors; g, y and d change how a match is used, not how it backtracks.
    ['^(a|A)+$', 'im', ALTERNATIVES, 'i', ALTERNATIVES],
    ['^(a|b)+$', 'm', null, '', null],
    ['(a+)+$', 'gyd', REPETITION, '', REPETITION],
    ['(a|b)+$', 'gyd', null, '', null],
  ];
  for (const [pattern, flags, verdict, otherFlags, otherVerdict] of pairs) {
    it(`/${pattern}/${flags} ${verdict ? 'is flagged' : 'passes'}; /${pattern}/${otherFlags} ${otherVerdict ? 'is flagged' : 'passes'}`, () => {
      for (const [f, v] of [
        [flags, verdict],
        [otherFlags, otherVerdict],
      ] as const) {
        if (v) expect(regexRisk(pattern, f)).toMatch(v);
        else expect(regexRisk(pattern, f)).toBeNull();
      }
    });
  }
});

describe('regexRisk: what the parser refuses is refused', () => {
  const refused: Array<[pattern: string, flags: string]> = [
    ['a', 'uv'], // the engine refuses u and v together
    ['a', 'x'],
    ['a', 'gg'],
    ['\\p{NotAProperty}', 'u'],
    ['[^\\q{ab}]', 'v'], // a negated class cannot contain strings
    ['[(]', 'v'], // v reserves ( inside classes
    ['(?i-i:a)', ''],
    ['a**', ''],
    ['(', ''],
  ];
  for (const [pattern, flags] of refused) {
    it(`/${pattern}/${flags}`, () => expect(regexRisk(pattern, flags)).toBe(UNREADABLE));
  }
  it('a pattern or flags that are not strings (a malformed message from a worker)', () => {
    expect(regexRisk(undefined as unknown as string)).toBe(UNREADABLE);
    expect(regexRisk('a', 5 as unknown as string)).toBe(UNREADABLE);
  });
});

describe('regexRisk: cost of the check itself', () => {
  const largest = [
    '\\d*'.repeat(85),
    `${'a|'.repeat(127)}b`,
    '(a|b|c|d)'.repeat(28),
    `${'('.repeat(84)}a${')*'.repeat(84)}`,
    'abcdefgh'.repeat(32),
    Array.from({ length: 17 }, (_, k) => `[\\u0100-\\uff${(k + 16).toString(16)}]`).join(''),
    '\\P{Lu}*'.repeat(36),
    '(\\p{L}|\\p{N})+'.repeat(16),
    '[\\w--\\d]'.repeat(28),
    `(?:${'[a-zé-ÿ]|'.repeat(24)}x)+`,
    `(${'[\\q{ab|a|abc}]'.repeat(18)})+`,
    '(?i:(?-i:a|A)+)'.repeat(16),
    '(.|\\n)*'.repeat(32),
  ];
  const flagSets = ['', 'i', 's', 'u', 'iu', 'v', 'iv', 'dgimsuy'];
  // How fast is the benchmark's to say; here, that no pattern up to the cap makes the check itself blow up (a
  // pathological one took 11–23 s): typical calls take 0.02–0.4 ms, and the 1 s bound leaves a loaded machine over
  // 2,000 times that while still 10 times under the blow-up it was written for.
  it('stays far from pathological for the largest patterns, with any flags', () => {
    for (const p of largest) for (const f of flagSets) regexRisk(p, f); // warm up, and build the case table
    // Each call's best of five, in CPU time (test/cpu-time.ts): a collection or a cold cache can still slow one call.
    const slow = largest
      .flatMap((p) =>
        flagSets.map((f) => {
          const times = Array.from({ length: 5 }, () => cpuTimed(() => regexRisk(p, f)).ms);
          return { call: `/${p.slice(0, 20)}…/${f}`, ms: Math.min(...times) };
        }),
      )
      .filter((t) => t.ms >= 1_000);
    expect(slow).toEqual([]);
  });
  it('does not spell out zero-width parts however often they repeat', () => {
    // Comparing alternatives spells fixed-length parts out; (?:){9999999} is fixed-length too, and empty. Spelled out
    // (regex-shape.ts without its max === 0 case), the first pattern took 1.07 s here and 10⁷ empty lists; checked,
    // each takes under 3 ms. The 250 ms bound leaves a loaded machine 80 times that and still catches the blow-up.
    for (const p of ['((?:){9999999}|a)', '((?=a){9999999}|a)+', '(?:(?:){9999}){9999}|a']) {
      expect(cpuTimed(() => regexRisk(p)).ms, p).toBeLessThan(250);
    }
  });
  it('reads what acorn accepts, and never throws on anything', () => {
    for (const p of ['', '(?:)', '[]', '[^]', '\\u{1F600}+', '\\xZ', '\\cJ', 'a{,5}', '}', '(?<=a)b', '(?<!a)b', '(?i:a)+', '[\\d-z]+', '\\0']) {
      expect(regexRisk(p)).not.toBe(UNREADABLE);
    }
    const pieces = [
      'a',
      'A',
      '.',
      '\\n',
      '\\d',
      '\\W',
      '\\p{L}',
      '\\P{Lu}',
      '\\1',
      '\\k<x>',
      '(',
      ')',
      '(?:',
      '(?<x>',
      '(?<=',
      '(?i:',
      '|',
      '*',
      '+?',
      '{2,}',
      '[',
      ']',
      '[^',
      '-',
      '--',
      '&&',
      '\\q{ab|}',
      '^',
      '$',
      'é',
      '😀',
      '\\uD83D',
      '\\u{212a}',
      '\\',
      '{',
    ];
    const flags = ['', 'i', 'u', 'v', 'iu', 'iv', 's', 'ims', 'uv', 'q'];
    let seed = 1;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let k = 0; k < 3000; k++) {
      const pattern = Array.from({ length: 1 + next(16) }, () => pieces[next(pieces.length)]).join('');
      const f = flags[next(flags.length)]!;
      const risk = regexRisk(pattern, f);
      expect(risk === null || typeof risk === 'string').toBe(true);
      let hostAccepts = true;
      try {
        new RegExp(pattern, f);
      } catch {
        hostAccepts = false;
      }
      if (hostAccepts) expect(risk, `/${pattern}/${f}`).not.toBe(UNREADABLE);
    }
  });
});

describe('case folding (i) against the host engine', () => {
  const planes01 = Array.from({ length: SCAN_END }, (_, p) => p).filter((p) => p < 0xd800 || p >= 0xe000);
  const candidates = planes01.filter((p) => p < 0x80 || /[\p{Cased}\p{CWCM}\p{CWCF}]/u.test(String.fromCodePoint(p)));
  it('no character beyond the scanned planes has a case', () => {
    const units = new Uint16Array(2 * (0x110000 - SCAN_END)); // as surrogate pairs
    for (let p = SCAN_END, k = 0; p < 0x110000; p++, k += 2) [units[k], units[k + 1]] = [0xd800 + ((p - 0x10000) >> 10), 0xdc00 + ((p - 0x10000) & 0x3ff)];
    const beyond = new TextDecoder('utf-16le').decode(units);
    expect(beyond.length).toBe(units.length);
    expect(/[\p{Cased}\p{CWCM}\p{CWCF}]/u.test(beyond)).toBe(false);
    expect(/[\p{Cased}\p{CWCM}\p{CWCF}]/u.test(String.fromCodePoint(0x1e900))).toBe(true); // Adlam, the last cased script, is inside
  });
  for (const [mode, unicode] of [
    ['with u', true],
    ['without u', false],
  ] as const) {
    it(`every character the engine matches ignoring case ${mode} is in the fold`, () => {
      const points = unicode ? candidates : candidates.filter((p) => p <= 0xffff);
      const text = String.fromCodePoint(...points);
      const missed: string[] = [];
      for (const p of points) {
        const folded = foldCase(one(p), unicode).most;
        const escaped = unicode ? `\\u{${p.toString(16)}}` : `\\u${p.toString(16).padStart(4, '0')}`;
        for (const m of text.matchAll(new RegExp(escaped, unicode ? 'giu' : 'gi'))) {
          if (!hasPoint(folded, m[0].codePointAt(0)!)) missed.push(`${p.toString(16)}~${m[0].codePointAt(0)!.toString(16)}`);
        }
      }
      expect(missed).toEqual([]);
      // A set too large to walk (all of Unicode beyond ASCII) is folded from outside: K and ſ bring in k and s with u.
      const beyond = foldCase(range(0x80, 0x10ffff), unicode).most;
      expect([...'kKsS'].map((c) => hasPoint(beyond, c.charCodeAt(0)))).toEqual([unicode, unicode, unicode, unicode]);
      expect(hasPoint(beyond, 'a'.charCodeAt(0))).toBe(false);
      // The Kelvin sign and the long s fold into ASCII only with u; ASCII sets take their own path.
      expect(hasPoint(foldCase(one(0x6b), unicode).most, 0x212a)).toBe(unicode);
      expect(hasPoint(foldCase(one(0x73), unicode).most, 0x17f)).toBe(unicode);
    });
  }
});

describe('regexRisk against QuickJS, the engine it protects', () => {
  // Exponential backtracking on a 40-character attack would take hours: a flagged pattern must hit a short
  // deadline, an allowed one must finish within a long one (generous, as two cores are shared with other work).
  const FLAGGED_DEADLINE_MS = 100;
  const ALLOWED_DEADLINE_MS = 2_000;
  let engine: QuickJSWASMModule;
  beforeAll(async () => {
    // The package types its ESM default as a CommonJS namespace; at run time it is the variant (as in module-pool.ts).
    engine = await newQuickJSWASMModuleFromVariant(releaseSyncExport as unknown as QuickJSSyncVariant);
  });

  /** Runs `new RegExp(pattern, flags).test(input)` in a fresh runtime: did it hit the deadline? */
  function hitsDeadline(pattern: string, flags: string, input: string, deadlineMs: number): boolean {
    const runtime = engine.newRuntime();
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + deadlineMs));
    const context = runtime.newContext();
    try {
      const result = context.evalCode(`new RegExp(${JSON.stringify(pattern)}, ${JSON.stringify(flags)}).test(${JSON.stringify(input)})`);
      if (!result.error) {
        result.value.dispose();
        return false;
      }
      const error = context.dump(result.error) as { message?: string };
      result.error.dispose();
      if (error.message !== 'interrupted') throw new Error(`/${pattern}/${flags}: ${error.message}`);
      return true;
    } finally {
      context.dispose();
      runtime.dispose();
    }
  }

  const a40 = `${'a'.repeat(40)}!`;
  // Each flag's case paired with the same pattern under other flags: one flagged (slow), one allowed (fast).
  const cases: Array<[pattern: string, flags: string, input: string, verdict: 'flagged' | 'allowed']> = [
    ['^(a|A)+$', 'i', a40, 'flagged'],
    ['^(a|A)+$', '', a40, 'allowed'],
    ['^(a|A)+$', 'im', a40, 'flagged'],
    ['([a-z]|[A-Z])+$', 'i', a40, 'flagged'],
    ['([a-z]|[A-Z])+$', '', a40, 'allowed'],
    ['^(a+A)+$', 'i', a40, 'flagged'],
    ['^(a+A)+$', '', a40, 'allowed'],
    ['^([^a-z]|A)+$', '', `${'A'.repeat(40)}a`, 'flagged'],
    ['^([^a-z]|A)+$', 'i', `${'A'.repeat(40)}a`, 'allowed'],
    ['^(.|\\n)+x', 's', '\n'.repeat(40), 'flagged'],
    ['^(.|\\n)+x', '', '\n'.repeat(40), 'allowed'],
    ['(\\p{L}|a)+$', 'u', a40, 'flagged'],
    ['(\\p{L}|a)+$', '', a40, 'allowed'],
    ['^(?:😀|\\uD83D.)+$', '', `${'😀'.repeat(40)}!`, 'flagged'],
    ['^(?:😀|\\uD83D.)+$', 'u', `${'😀'.repeat(40)}!`, 'allowed'],
    ['^(\\u212a|k)+$', 'iu', `${'k'.repeat(40)}!`, 'flagged'],
    ['^(\\u212a|k)+$', 'i', `${'k'.repeat(40)}!`, 'allowed'],
    ['^([\\w--\\d]|\\d)+$', '', `${'1'.repeat(40)}!`, 'flagged'],
    ['^([\\w--\\d]|\\d)+$', 'v', `${'1'.repeat(40)}!`, 'allowed'],
    ['^(?i:a|A)+$', '', a40, 'flagged'],
    ['^(?-i:a|A)+$', 'i', a40, 'allowed'],
  ];
  for (const [pattern, flags, input, verdict] of cases) {
    const slow = verdict === 'flagged';
    it(`/${pattern}/${flags} is ${slow ? 'flagged, and backtracks until the deadline' : 'allowed, and finishes'}`, () => {
      expect(regexRisk(pattern, flags) !== null).toBe(slow);
      expect(hitsDeadline(pattern, flags, input, slow ? FLAGGED_DEADLINE_MS : ALLOWED_DEADLINE_MS)).toBe(slow);
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

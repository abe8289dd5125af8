// Stage 1, prescan(code, limits): cheap checks on the raw text before any parser runs.
import { describe, expect, it } from 'vitest';
import { prescan } from '../../src/enclave/prescan.js';
import { LEVEL_LIMITS, SECURITY_LEVELS, resolveLimits } from '../../src/enclave/levels.js';
import { validate } from '../../src/enclave/index.js';
import { cpuTimed } from '../cpu-time.js';

const STRICT = LEVEL_LIMITS.STRICT;

/** Exactly one issue, with this rule at this position. */
function expectOne(code: string, rule: string, line: number, column: number, limits = STRICT): void {
  const issues = prescan(code, limits);
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ rule, line, column });
  expect(issues[0]!.message.length).toBeGreaterThan(20);
}

describe('prescan: input that is not a script', () => {
  it('empty code', () => {
    expectOne('', 'empty-code', 1, 1);
  });
  it('whitespace only', () => {
    expectOne('  \n\t\n   ', 'empty-code', 1, 1);
  });
  it('a comment is not empty to the prescanner (the parser accepts it; it returns null)', () => {
    expect(prescan('// nothing to do\n', STRICT)).toEqual([]);
  });
  it('a non-string', () => {
    expectOne(42 as unknown as string, 'not-a-string', 1, 1);
    expectOne(undefined as unknown as string, 'not-a-string', 1, 1);
  });
  it('NUL bytes', () => {
    expectOne("const a = 1;\nconst b = 'x\u0000y';\nreturn b;", 'control-character', 2, 13);
  });
  it('random binary bytes', () => {
    // Deterministic "random" bytes decoded as latin1: every byte value appears, controls included.
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const issues = prescan(bytes.toString('latin1'), STRICT);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.rule)).toContain('control-character');
  });
  it('random binary bytes decoded as UTF-8 (replacement characters and controls)', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 104729 + 7) % 256));
    const issues = prescan(bytes.toString('utf8'), STRICT);
    expect(issues.map((i) => i.rule)).toContain('control-character');
  });
  it('an ESC sequence that would recolour a terminal', () => {
    expectOne("const a = 1;\nconsole.log('\u001b[2Jcleared');\nreturn a;", 'control-character', 2, 14);
  });
});

describe('prescan: characters that hide what the code does', () => {
  it('BiDi override (Trojan Source)', () => {
    expectOne("const role = 'user';\nconst isAdmin = role === 'user\u202E \u2066// admin\u2069';\nreturn isAdmin;", 'bidi-control', 2, 31);
  });
  it('BiDi isolate', () => {
    expectOne('const a = 1;\n\u2067return a;', 'bidi-control', 2, 1);
  });
  it('zero-width space inside a name', () => {
    expectOne('const a = 1;\nconst call\u200BTool = a;\nreturn a;', 'zero-width', 2, 11);
  });
  it('zero-width joiner and BOM', () => {
    expectOne('const a = 1;\nreturn a\u200D;', 'zero-width', 2, 9);
    expectOne('\uFEFFconst a = 1;\nreturn a;', 'zero-width', 1, 1);
  });
  it('U+2028 line separator', () => {
    expectOne('const a = 1; // note\u2028return 2;', 'unicode-line-separator', 1, 21);
  });
  it('U+2029 paragraph separator', () => {
    expectOne('const a = 1;\nconst b = 2; // x\u2029return a;', 'unicode-line-separator', 2, 18);
  });
  it('positions count lines the way the parser does (a lone CR ends a line)', () => {
    // JavaScript treats \r as a line terminator; the issue should be on line 2 like a parser error would be.
    expectOne("const a = 1;\rconst b = 'x\u202Ey';\rreturn b;", 'bidi-control', 2, 13);
  });
  it('CRLF line endings', () => {
    expectOne("const a = 1;\r\nconst b = 'x\u202Ey';\r\nreturn b;", 'bidi-control', 2, 13);
  });
});

describe('prescan: size limits', () => {
  for (const level of SECURITY_LEVELS) {
    it(`code over the ${level} size limit (${LEVEL_LIMITS[level].maxCodeBytes} bytes)`, () => {
      const limits = LEVEL_LIMITS[level];
      const over = `// ${'x'.repeat(limits.maxCodeBytes)}`;
      expectOne(over, 'code-too-large', 1, 1, limits);
      expect(prescan(over, limits)[0]!.message).toContain(String(limits.maxCodeBytes));
      // Exactly at the limit is not "too large" (it may still break other rules, such as line length).
      const at = `const a = 1;\n${'// padding padding padding\n'.repeat(limits.maxCodeBytes)}`.slice(0, limits.maxCodeBytes);
      expect(prescan(at, limits).map((i) => i.rule)).not.toContain('code-too-large');
    });
  }
  it('the size is counted in UTF-8 bytes, not characters', () => {
    const code = `// ${'é'.repeat(STRICT.maxCodeBytes / 2)}`; // 2 bytes each: over the limit in bytes, under it in characters
    expect(code.length).toBeLessThan(STRICT.maxCodeBytes);
    expectOne(code, 'code-too-large', 1, 1);
  });
  it('a limit override applies', () => {
    const code = `const a = 1;\nreturn a;\n// ${'x'.repeat(100)}`;
    expectOne(code, 'code-too-large', 1, 1, resolveLimits('STRICT', { maxCodeBytes: 64 }));
  });
  it('10 MB of code costs little', () => {
    const code = 'x'.repeat(10 * 1024 * 1024);
    expect(cpuTimed(() => expectOne(code, 'code-too-large', 1, 1)).ms).toBeLessThan(500);
  });
  it('an over-long line', () => {
    const long = `const total = ${'1 + '.repeat(600)}1;`; // 2,419 characters > 2,000
    expectOne(`const a = 1;\n${long}\nreturn total;`, 'line-too-long', 2, 1);
  });
  it('an over-long line at a higher level is fine', () => {
    const long = `const total = ${'1 + '.repeat(600)}1;`;
    expect(prescan(`const a = 1;\n${long}\nreturn total;`, LEVEL_LIMITS.SECURE)).toEqual([]);
  });
  it('too-deep nesting (brackets)', () => {
    // 40 levels > 32 at STRICT; the issue is at the 33rd opening bracket.
    const code = `const a = 1;\nconst deep = ${'['.repeat(40)}${']'.repeat(40)};\nreturn a;`;
    expectOne(code, 'nesting-too-deep', 2, 14 + 32);
  });
  it('too-deep nesting (mixed brackets across lines)', () => {
    const open = '{ a: [('.repeat(11); // 33 brackets
    const close = ')] }'.repeat(11);
    const code = `const x = 1;\nconst y = ${open}x${close};\nreturn y;`;
    const issues = prescan(code, STRICT);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: 'nesting-too-deep', line: 2 });
  });
  it('brackets inside strings and comments do not count', () => {
    const brackets = '('.repeat(50);
    expect(prescan(`const s = '${brackets}';\n// ${brackets}\n/* ${brackets} */\nconst t = \`${brackets}\`;\nreturn s;`, STRICT)).toEqual([]);
  });
  it('brackets inside template substitutions do count', () => {
    const code = `const a = 1;\nconst t = \`v: \${${'['.repeat(40)}${']'.repeat(40)}}\`;\nreturn t;`;
    expect(prescan(code, STRICT).map((i) => i.rule)).toEqual(['nesting-too-deep']);
  });
  it('an over-long string literal', () => {
    const code = `const a = 1;\nconst blob = '${'x'.repeat(9000)}';\nreturn blob.length;`;
    expectOne(code, 'string-literal-too-large', 2, 14, { ...STRICT, maxLineLength: 100_000 });
  });
  it('an over-long template literal spanning lines', () => {
    const body = `${'y'.repeat(99)}\n`.repeat(90); // 9,000 characters over 90 lines
    expectOne(`const a = 1;\nconst blob = \`${body}\`;\nreturn blob;`, 'string-literal-too-large', 2, 14);
  });
  it('a string literal just under the limit is fine', () => {
    const code = `const a = 1;\nconst blob = '${'x'.repeat(STRICT.maxStringLiteralBytes)}';\nreturn blob.length;`;
    expect(prescan(code, { ...STRICT, maxLineLength: 100_000 })).toEqual([]);
  });
});

describe('prescan: valid code', () => {
  const scripts = [
    'return 1;',
    `// Summarise open issues.
const issues = await callTool('github:list_issues', { repo: 'acme/app', state: 'open' });
const titles = issues.map((i) => i.title.trim()).filter((t) => t.length > 0);
const note = \`\${titles.length} open: \${titles.slice(0, 3).join(', ')}\`;
/* a block comment with (brackets] and 'quotes */
console.log("done: it's fine", { n: titles.length });
return { note, titles };`,
    "const s = 'caf\u00e9 \u2603 \u{1F600} \u4e2d\u6587';\nreturn s;", // non-ASCII text in strings is fine
    'const a = \'it\\\'s\';\nconst b = "say \\"hi\\"";\nconst c = `x\\`y`;\nreturn [a, b, c];',
    'const a = 1;\r\nreturn a;\r\n',
  ];
  scripts.forEach((code, n) => {
    it(`yields no issues (${n + 1})`, () => {
      expect(prescan(code, STRICT)).toEqual([]);
      expect(validate(code).issues.filter((i) => i.rule !== 'syntax-error')).toEqual([]);
    });
  });
});

describe('prescan issues reach validate()', () => {
  it('as VALIDATION_ERROR with the position', () => {
    const r = validate("const a = 1;\nconst b = 'x\u202Ey';\n");
    expect(r.valid).toBe(false);
    expect(r.error).toMatchObject({ code: 'VALIDATION_ERROR', line: 2, column: 13 });
    expect(r.issues[0]).toMatchObject({ rule: 'bidi-control', line: 2, column: 13 });
  });
});

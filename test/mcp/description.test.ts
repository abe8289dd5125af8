// The execute_agentscript primer tells the model the rules it will hit at the configured level: what that level
// refuses (from the level table the validator reads), and the limits as resolved for the deployment.
import { describe, expect, it } from 'vitest';
import { LEVEL_LIMITS, SECURITY_LEVELS, resolveLimits, validate, type SecurityLevel } from '../../src/enclave/index.js';
import { LEVEL_RULES, levelAllows, type LevelFeature, type LevelRules } from '../../src/enclave/policy.js';
import { describeExecute, primer } from '../../src/mcp/description.js';

const FEATURES = Object.keys(LEVEL_RULES) as LevelFeature[];

/** A script using each row's construct, as models write it. */
const SAMPLES: Record<LevelFeature, string> = {
  regex: `const s = 'a-b';\nreturn /^[a-z]-[a-z]$/.test(s);`,
  constArrow: `const double = (x) => x * 2;\nreturn [1, 2].map(double);`,
  dynamicToolName: `const tool = 'db:list';\nreturn await callTool(tool, {});`,
};

describe('what the level refuses', () => {
  for (const level of SECURITY_LEVELS) {
    it(`at ${level}, names exactly the constructs ${level} refuses, and lists the ones it allows as allowed`, () => {
      const text = primer(level, LEVEL_LIMITS[level]);
      for (const feature of FEATURES) {
        const row = LEVEL_RULES[feature];
        const refused = !levelAllows(level, feature);
        expect(text.includes(row.refused), `${feature} listed as refused`).toBe(refused);
        expect(text.includes(row.instead.slice(1)), `${feature}: what to write instead`).toBe(refused);
        expect(text.includes(row.allowed), `${feature} listed as allowed`).toBe(!refused);
      }
      expect(text.includes(`Also refused at ${level}`)).toBe(FEATURES.some((f) => !levelAllows(level, f)));
    });
  }

  it('SECURE does not say regular expressions are refused; STRICT does', () => {
    const secure = primer('SECURE', LEVEL_LIMITS.SECURE);
    const strict = primer('STRICT', LEVEL_LIMITS.STRICT);
    expect(secure).not.toMatch(/regular expressions? (at STRICT|\(\/…\/ literals)/);
    expect(secure).toContain('regular expressions (refused when they risk catastrophic backtracking)');
    expect(strict).toContain(`- ${LEVEL_RULES.regex.refused}: use includes`);
    expect(strict).toContain('- a standalone `const f = (x) => …`: pass the arrow straight to the call that uses it');
  });

  it('what the description calls refused is what the validator refuses, level by level', () => {
    for (const level of SECURITY_LEVELS) {
      const text = primer(level, LEVEL_LIMITS[level]);
      for (const feature of FEATURES) {
        const issues = validate(SAMPLES[feature], { securityLevel: level }).issues.map((i) => i.rule);
        expect(issues.includes(LEVEL_RULES[feature].rule), `${level} ${feature}`).toBe(text.includes(LEVEL_RULES[feature].refused));
      }
    }
  });

  it('is generated from the level table: changing a row changes the text', () => {
    const moved: LevelRules = { ...LEVEL_RULES, regex: { ...LEVEL_RULES.regex, from: 'STANDARD' } };
    expect(primer('SECURE', LEVEL_LIMITS.SECURE)).not.toContain(LEVEL_RULES.regex.refused);
    expect(primer('SECURE', LEVEL_LIMITS.SECURE, moved)).toContain(LEVEL_RULES.regex.refused);
    const reworded: LevelRules = { ...LEVEL_RULES, constArrow: { ...LEVEL_RULES.constArrow, refused: 'a named helper arrow', instead: 'Inline it' } };
    const text = primer('STRICT', LEVEL_LIMITS.STRICT, reworded);
    expect(text).toContain('- a named helper arrow: inline it.');
    expect(text).not.toContain(LEVEL_RULES.constArrow.refused);
  });
});

describe('the limits', () => {
  const numbers = (level: SecurityLevel, text: string, limits = LEVEL_LIMITS[level]): void => {
    expect(text).toContain(`Limits (${level}): ${limits.timeoutMs / 1000} s, ${limits.maxToolCalls} tool calls, ${limits.maxIterations} loop iterations`);
    expect(text).toContain(`lines of at most ${limits.maxLineLength} characters`);
  };

  for (const level of SECURITY_LEVELS) {
    it(`at ${level}, are the level's numbers`, () => numbers(level, primer(level, LEVEL_LIMITS[level])));
  }

  it('are the resolved numbers: a manifest override changes the text', () => {
    const limits = resolveLimits('STRICT', { maxToolCalls: 37, maxLineLength: 1234, maxCodeBytes: 48 * 1024, timeoutMs: 9000 });
    const text = primer('STRICT', limits);
    numbers('STRICT', text, limits);
    expect(text).toContain('48 KB of code');
    expect(text).not.toContain('10 tool calls');
    expect(text).not.toContain('2000 characters');
  });

  it('name the code size and say how an operator raises a limit', () => {
    expect(primer('STRICT', LEVEL_LIMITS.STRICT)).toContain('32 KB of code');
    expect(primer('PERMISSIVE', LEVEL_LIMITS.PERMISSIVE)).toContain('1 MB of code');
    const text = primer('SECURE', LEVEL_LIMITS.SECURE);
    expect(text).toContain('"limits": { "maxToolCalls": <n> }');
    expect(text).toContain('"securityLevel"');
  });
});

describe('the cost', () => {
  it('the primer stays short at every level (it is paid in the model context on every turn)', () => {
    for (const level of SECURITY_LEVELS) expect(primer(level, LEVEL_LIMITS[level]).length).toBeLessThan(2_200);
  });
  it('the tool description starts with the primer of its level', () => {
    expect(describeExecute('SECURE', LEVEL_LIMITS.SECURE, []).startsWith(primer('SECURE', LEVEL_LIMITS.SECURE))).toBe(true);
  });
});

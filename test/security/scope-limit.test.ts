// QuickJS numbers the scopes of one function with 16 bits: past 65,535 it resolves names to the wrong variables
// (found by the responsiveness benchmark: a 1 MB PERMISSIVE script of nested blocks failed with "'n682' is not
// defined", and one reading `let s` afterwards got another, uninitialized binding). A script whose names resolve
// to other variables than the ones it declares is a script the checks no longer describe, so the validator caps
// the scopes a script opens (MAX_SCOPES). These tests show that the cap keeps every shape, after the transform
// adds its guards, clear of QuickJS's bound, and that one scope more is refused. Measured without the cap, the
// shapes below break QuickJS from 28,000 to 65,535 counted scopes: the cap leaves a margin of 2.8 or more.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';
import { MAX_SCOPES } from '../../src/enclave/validate.js';

const permissive = new Enclave({ securityLevel: 'PERMISSIVE' });
afterAll(() => permissive.dispose());

/** Lines of AgentScript, each opening `scopes` scopes as the validator counts them, and leaving `s` as it was. */
const SHAPES: Array<[name: string, scopes: number, line: string]> = [
  ['bare blocks', 1, '{ s += 0; }'],
  ['nested blocks', 4, '{ { { { s += 0; } } } }'],
  ['if/else blocks', 2, 'if (s < 0) { s = 0; } else { s += 0; }'],
  ['counted for loops', 2, 'for (let i = 0; i < 1; i++) { s += i; }'],
  ['for…of loops', 2, 'for (const x of one) { s += x - 1; }'],
  ['try/catch/finally (the transform adds a guarded catch around each)', 5, 'try { s += 0; } catch (e) { s = 0; } finally { s += 0; }'],
  ['try/finally', 3, 'try { s += 0; } finally { s += 0; }'],
  ['switch with a case block', 2, 'switch (s) { case 0: { s += 0; } }'],
  ['loops without a block (the transform gives the body one: the most QuickJS scopes per counted one, 2.3)', 1, 'for (const [x] of [one]) s += x - 1;'],
  ['counted loops without a block', 1, 'for (let i = 0; i < 1; i++) s += i;'],
  ['loops in try in loops', 7, 'for (const x of one) { try { for (let i = 0; i < x; i++) { s += i; } } finally { s += 0; } }'],
];

const script = (line: string, lines: number): string => `let s = 1;\nconst one = [1];\n${`${line}\n`.repeat(lines)}return s;`;

describe(`at most ${MAX_SCOPES} scopes per script`, () => {
  it.each(SHAPES)('%s: as many as the cap allows run, and every name still reads its own variable', async (_name, scopes, line) => {
    const r = await permissive.run(script(line, Math.floor(MAX_SCOPES / scopes)));
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(1);
  });

  it.each(SHAPES)('%s: one line past the cap is refused with too-many-blocks', async (_name, scopes, line) => {
    const r = await permissive.run(script(line, Math.floor(MAX_SCOPES / scopes) + 1));
    expect(r.error?.code).toBe('VALIDATION_ERROR');
    expect(r.error?.issues?.map((i) => i.rule)).toEqual(['too-many-blocks']);
    expect(r.error?.message).toMatch(/more than 10,000 blocks, loops and functions/);
  });

  it('arrow functions count too (each is a function of its own in QuickJS, so this is the conservative side)', async () => {
    const line = 'one.forEach((x) => { s += x - 1; });';
    expect((await permissive.run(script(line, MAX_SCOPES / 2))).value).toBe(1);
    expect((await permissive.run(script(line, MAX_SCOPES / 2 + 1))).error?.issues?.[0]?.rule).toBe('too-many-blocks');
  });

  it('a realistic script is far below the cap', async () => {
    const r = await permissive.run(
      `const rows = [];\nfor (let i = 0; i < 50; i++) {\n  try {\n    if (i % 2 === 0) { rows.push({ i }); } else { rows.push({ i, odd: true }); }\n  } catch (e) {\n    console.log(e);\n  }\n}\nreturn rows.filter((r) => r.odd).length;`,
    );
    expect(r.value).toBe(25);
  });
});

// Attacks on name resolution (issue 8, points 1–2): names the global object inherits from Object.prototype,
// scopes that open in the wrong place, and inputs that make resolution slow. Each runs through a real Enclave
// (run) and through validate(); every one must end in VALIDATION_ERROR, never a result and never a crash.
import { afterAll, describe, expect, it } from 'vitest';
import type * as acorn from 'acorn';
import { fullAncestor } from 'acorn-walk';
import { Enclave, EnclaveConfigError, LEVEL_LIMITS, SECURITY_LEVELS, validate, type SecurityLevel } from '../../src/enclave/index.js';
import { parseScript } from '../../src/enclave/parse.js';
import { prescan } from '../../src/enclave/prescan.js';
import { Scopes } from '../../src/enclave/scope.js';
import { validateAst } from '../../src/enclave/validate.js';

const enclaves = new Map<SecurityLevel, Enclave>();
const enclave = (level: SecurityLevel): Enclave => {
  let e = enclaves.get(level);
  if (!e) enclaves.set(level, (e = new Enclave({ securityLevel: level, toolHandler: async () => ({ ok: true }) })));
  return e;
};
afterAll(async () => {
  await Promise.all([...enclaves.values()].map((e) => e.dispose()));
});

/** Refused by validation at `level`, both through validate() and through a real run, with `rule` among the issues. */
async function expectRefused(code: string, rule: string, level: SecurityLevel = 'STRICT'): Promise<void> {
  const checked = validate(code, { securityLevel: level });
  expect(checked.valid, `validate() at ${level} accepted:\n${code}`).toBe(false);
  expect(checked.error?.code).toBe('VALIDATION_ERROR');
  expect(checked.issues.map((i) => i.rule)).toContain(rule);
  const result = await enclave(level).run(code);
  expect(result.success, `run() at ${level} succeeded with ${JSON.stringify(result.value)}:\n${code}`).toBe(false);
  expect(result.error?.code).toBe('VALIDATION_ERROR');
}

// Object.prototype's own names, taken from the host's Object.prototype (QuickJS's has the same set).
const INHERITED = Object.getOwnPropertyNames(Object.prototype);
/** Inherited names that are escape routes: refused as globals and as local names (DESIGN §3). */
const ESCAPE_ROUTES = new Set(['constructor', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

describe('inherited names as globals', () => {
  // Technique: reach Object (and from it Function) through the global object's inherited `constructor`.
  it('`const O = constructor` (issue 8: summed 1e6 numbers past the iteration limit at STRICT)', async () => {
    await expectRefused(`const O = constructor;\nconst sum = O.values(O.fromEntries(O.entries({ a: 1 })));\nreturn sum;`, 'blocked-global');
  });
  // Technique: pollute the sandbox's Object.prototype through bare `__proto__`.
  it('`__proto__.x = 1` (prototype pollution through the global object)', async () => {
    await expectRefused(`__proto__.isAdmin = true;\nconst user = {};\nreturn user.isAdmin;`, 'blocked-global');
  });
  // Technique: an inherited name looked up as a global member table crashed the validator (INTERNAL_ERROR, CLI exit 2).
  it('`return __proto__.x` is refused, not a crash', async () => {
    for (const level of SECURITY_LEVELS) await expectRefused('return __proto__.x', 'blocked-global', level);
  });
  // Technique: an inherited name in every position a name can take, at every level: never known, never a crash.
  it('every Object.prototype name, in every position, at every level', () => {
    for (const name of INHERITED) {
      const rule = ESCAPE_ROUTES.has(name) ? 'blocked-global' : 'unknown-global';
      const positions = [
        `return ${name};`,
        `return ${name}();`,
        `return ${name}.x;`,
        `return ${name}['x'];`,
        `${name} = 1;\nreturn 1;`,
        `${name}.x = 1;\nreturn 1;`,
        `${name} += 'x';\nreturn 1;`,
        `[${name}] = [1];\nreturn 1;`,
        `({ a: ${name} } = { a: 1 });\nreturn 1;`,
        `return typeof ${name};`,
        `return [1].map(() => ${name});`,
        `for (${name} of [1]) { }\nreturn 1;`,
        `const { a = ${name} } = {};\nreturn a;`,
      ];
      for (const level of SECURITY_LEVELS) {
        for (const code of positions) {
          const r = validate(code, { securityLevel: level });
          expect(r.valid, `${level}: ${code}`).toBe(false);
          expect(r.error?.code).toBe('VALIDATION_ERROR');
          expect(
            r.issues.map((i) => i.rule),
            `${level}: ${code}`,
          ).toContain(rule);
        }
      }
    }
  });
  // Technique: declare an escape-route name as a local, to confuse a reader or a later stage.
  it('escape-route names are refused as local names; harmless inherited names are fine as locals', () => {
    for (const name of INHERITED) {
      const r = validate(`const ${name} = 1;\nreturn [${name}].map((x) => x + ${name});`);
      if (ESCAPE_ROUTES.has(name))
        expect(
          r.issues.map((i) => i.rule),
          name,
        ).toContain('blocked-name');
      else expect(r.issues, name).toEqual([]);
    }
  });
  // Technique: a host global named after an inherited name would shadow the global object's own.
  it('the host cannot configure a global named after an Object.prototype name', () => {
    for (const name of INHERITED) {
      expect(() => new Enclave({ globals: JSON.parse(`{"${name}": 1}`) as Record<string, number> }), name).toThrow(EnclaveConfigError);
    }
  });
});

describe('scope confusion', () => {
  // Technique: a `case` declaration shadows a global in the switch's own discriminant (issue 8: returned 'function').
  it('`switch (r = typeof BigInt) { default: const BigInt = 0; }` reads the real BigInt', async () => {
    await expectRefused(`let r;\nswitch (r = typeof BigInt) { default: const BigInt = 0; }\nreturn r;`, 'unknown-global');
  });
  // Technique: the same confusion to assign a global.
  it('`switch (Math = …) { default: const Math = 0; }` assigns the global Math', async () => {
    await expectRefused(`switch (Math = { max: () => 7 }) { default: const Math = 0; }\nreturn 1;`, 'assign-global');
    await expectRefused(`switch (Promise = null) { case 1: const Promise = 0; }\nreturn 1;`, 'assign-global');
  });
  // Technique: a body declaration shadows a global in a `for` head.
  it('`for (let i = (JSON = …); …) { const JSON = 0; }` assigns the global JSON', async () => {
    await expectRefused(`for (let i = (JSON = null); i < 1; i++) { const JSON = 0; }\nreturn 1;`, 'assign-global');
  });
  // Technique: a body declaration shadows a global in a `for…of` iterable.
  it('`for (const x of (Math = [])) { const Math = 0; }` assigns the global Math', async () => {
    await expectRefused(`for (const x of (Math = [])) { const Math = 0; }\nreturn 1;`, 'assign-global');
  });
  // Technique: an arrow body declaration shadows a global in a parameter default.
  it('`(a = (Math = 0)) => { const Math = 1; }` assigns the global Math', async () => {
    await expectRefused(`return [1].map((a = (Math = 0)) => { const Math = 1; return a; });`, 'assign-global');
  });
  // Technique: a catch block declaration shadows a global in the catch parameter's default.
  it('`catch ({ a = (Promise = 0) }) { const Promise = 1; }` assigns the global Promise', async () => {
    await expectRefused(`try { throw {}; } catch ({ a = (Promise = 0) }) { const Promise = 1; }\nreturn 1;`, 'assign-global');
  });
  // Technique: a declaration in a block, used after the block, as if it were still local.
  it('`{ const Object = …; } Object = …` assigns the global Object', async () => {
    await expectRefused(`{ const Object = 1; }\nObject = null;\nreturn 1;`, 'assign-global');
  });
  // Technique: a parameter named like a global in one callback, the global used in another.
  it('`xs.map((Object) => Object); Object.getPrototypeOf(…)` checks the global member', async () => {
    await expectRefused(`const xs = [1].map((Object) => Object);\nreturn [2].map(() => Object.getPrototypeOf(xs));`, 'blocked-global-member');
  });
});

// ── Event-loop stalls ───────────────────────────────────────────────────────────────────────────────────
/** Repeats `unit` between `head` and `tail` up to `bytes`. */
const fill = (head: string, unit: string, tail: string, bytes: number): string =>
  head + unit.repeat(Math.floor((bytes - head.length - tail.length) / unit.length)) + tail;

/** Hostile shapes at a level's maximum size, each valid so that validation walks all of it. */
const SHAPES: Record<string, (bytes: number) => string> = {
  // Every identifier sits under ~1,000 ancestors: per-identifier ancestor walks were quadratic (0.1 s at 32 KB, 3.8 s at 1 MB).
  'identifiers under a deep member chain': (bytes) => fill('const a = 1;\nreturn [\n', `${'a, '.repeat(30)}\n`, `]${'\n.b'.repeat(1_000)};\n`, bytes),
  // `f(() => 0, () => 0, …)`: looking each arrow up among the call's arguments was quadratic.
  'very many arrows as arguments of one call': (bytes) => fill('const r = [].concat(\n', `${'()=>0,'.repeat(50)}\n`, '0);\nreturn r;\n', bytes),
  // One switch whose cases declare thousands of names, each case reading globals and locals.
  'a long switch with a declaration per case': (bytes) =>
    fill('const k = 1;\nlet r = 0;\nswitch (k) {\n', 'case 0: { const v = k + Math.abs(r); r = v; break; }\n', '}\nreturn r;\n', bytes),
  // Arrows with destructured parameters and defaults, nested to the bracket limit of STRICT.
  'nested arrows with parameter defaults': (bytes) => {
    let nest = 'a + b';
    for (let i = 0; i < 9; i++) nest = `xs.map((a = b, { c = Math.abs(a) } = {}) => ${nest})`;
    return fill('const xs = [1];\nconst a = 0, b = 0;\n', `${nest};\n`, 'return 1;\n', bytes);
  },
};

const QUADRATIC = new Set(['identifiers under a deep member chain', 'very many arrows as arguments of one call']);

/** The fastest of `runs` timings of each of `a` and `b`, taken in turns so that a busy spell slows both alike. */
function fastest(runs: number, a: () => void, b: () => void): [number, number] {
  const time = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  let [bestA, bestB] = [Infinity, Infinity];
  for (let i = 0; i < runs; i++) {
    bestA = Math.min(bestA, time(a));
    bestB = Math.min(bestB, time(b));
  }
  return [bestA, bestB];
}

describe('event-loop stalls in name resolution', () => {
  // Technique: a maximum-size script whose shape makes validation super-linear (issue 8: 0.3–24 s).
  // Measured against one bare walk of the same tree, so the bound holds on a loaded machine: this validator costs
  // 3–9 walks; the validator of issue 8 cost 50–170 on the deep chain at every level, and 40–200 on the arrow list.
  // (The timing itself is the benchmark's: bench/responsiveness.ts.)
  const walks = (level: (typeof SECURITY_LEVELS)[number], code: string, runs: number): number => {
    const limits = LEVEL_LIMITS[level];
    expect(prescan(code, limits)).toEqual([]);
    const parsed = parseScript(code);
    if (!parsed.ok) throw new Error(parsed.issue.message);
    const ast: acorn.Program = parsed.ast;
    // From 64 KB the arrow list opens more than MAX_SCOPES functions: refused for that, but after the whole walk.
    expect(validateAst(ast, { level }).filter((i) => i.rule !== 'too-many-blocks')).toEqual([]);
    const [walk, validation] = fastest(
      runs,
      () => fullAncestor(ast, () => undefined),
      () => validateAst(ast, { level, scopes: new Scopes(ast) }),
    );
    return validation / walk;
  };
  for (const level of SECURITY_LEVELS) {
    const limits = LEVEL_LIMITS[level];
    for (const [shape, make] of Object.entries(SHAPES)) {
      // At 1 MB only the shapes that were quadratic: each of these runs takes seconds on two cores.
      if (level === 'PERMISSIVE' && !QUADRATIC.has(shape)) continue;
      it(`${shape}, ${limits.maxCodeBytes / 1024} KB at ${level}: validation costs a few walks of the tree`, () => {
        const code = make(limits.maxCodeBytes);
        const runs = level === 'PERMISSIVE' ? 3 : 7;
        // The fastest of more runs when a busy spell (another test file's GC, a cold JIT) slowed every one of the
        // first: seen once in a fresh clone's first run (33, where 2.7–3.1 is usual). The bound stays the same.
        let full = walks(level, code, runs);
        for (let round = 1; round < 3 && full >= 30; round++) full = Math.min(full, walks(level, code, runs));
        expect(full).toBeLessThan(30); // a few walks (3–9 measured), with room for a loaded machine; issue 8 cost 50–200
      });
    }
  }
});

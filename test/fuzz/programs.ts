// Valid AgentScript programs from a small grammar of what models write: const/let, arithmetic, strings and template
// literals, array methods, objects and destructuring, for-of and bounded for loops, if/else, switch, ternaries,
// arrows, try/catch/finally, JSON, Math, console, and `await callTool('fx:echo', { text })` alone, in Promise.all and
// in parallel(). fast-check generates a genome (plain data, so it shrinks well); render() reads it type-directed,
// so every name is declared before use and the program validates at STANDARD whatever the genome. Both the fuzz
// handler and the fixture server answer 'fx:echo' with its text, which reaches the script parsed as JSON.
// No program ever holds a canary.
import fc from 'fast-check';
import { cond, echo, expr, type Gene, geneAt, kid, num, quote, safeText, small } from './program-exprs.js';
import { declare, type Env, freshEnv, inner, name, pick, withVar } from './program-env.js';

export interface StmtGene extends Gene {
  body: StmtGene[];
  alt: StmtGene[];
}
export interface ProgramGene {
  stmts: StmtGene[];
  ret: Gene;
  retKind: number;
}

const stmtAt = (depth: number): fc.Arbitrary<StmtGene> =>
  fc.record({
    op: fc.nat(40),
    n: fc.integer({ min: -5, max: 40 }),
    s: safeText,
    kids: fc.array(geneAt(3), { maxLength: 3 }),
    body: depth === 0 ? fc.constant([]) : fc.array(stmtAt(depth - 1), { maxLength: 3 }),
    alt: depth === 0 ? fc.constant([]) : fc.array(stmtAt(depth - 1), { maxLength: 2 }),
  });

export const programGene: fc.Arbitrary<ProgramGene> = fc.record({
  stmts: fc.array(stmtAt(2), { minLength: 1, maxLength: 10 }),
  ret: geneAt(3),
  retKind: fc.nat(15),
});

const KINDS = ['num', 'str', 'arr', 'obj'] as const;
type Stmt = (g: StmtGene, env: Env, depth: number) => string | undefined;
const block = (genes: StmtGene[], env: Env, depth: number): string => genes.map((g) => stmt(g, env, depth + 1)).join('\n');

/** Statements. Each renders its expressions before declaring its names, so nothing refers to itself. */
const STMTS: Stmt[] = [
  (g, env) => {
    const kind = KINDS[small(g, 3)]!;
    const init = expr(kind, kid(g, 0), env, 0);
    return `const ${declare(env, kind, name(env))} = ${init};`;
  },
  (g, env) => {
    const init = expr('num', kid(g, 0), env, 0);
    const id = declare(env, 'num', name(env));
    env.numLets.push(id);
    return `let ${id} = ${init};`;
  },
  (g, env) => {
    const target = pick({ ...env, num: env.numLets }, 'num', g.n);
    // Kept bounded: a value squared in a loop would reach Infinity, and Infinity - Infinity is NaN.
    return target && `${target} = (${target} ${['+', '-', '*'][small(g, 2)]} ${expr('num', kid(g, 0), env, 0)}) % 1000003;`;
  },
  (g, env) => {
    const init = expr('str', kid(g, 0), env, 0);
    const id = declare(env, 'str', name(env));
    env.strLets.push(id);
    return `let ${id} = ${init};`;
  },
  (g, env) => {
    const target = pick({ ...env, str: env.strLets }, 'str', g.n);
    return target && `${target} = (${target} + ${expr('str', kid(g, 0), env, 0)}).slice(0, 200);`;
  },
  (g, env) => `console.${['log', 'info', 'warn', 'error'][small(g, 3)]}(${expr('str', kid(g, 0), env, 0)});`,
  (g, env, d) => `if (${cond(kid(g, 0), env, 0)}) {\n${block(g.body, inner(env), d)}\n} else {\n${block(g.alt, inner(env), d)}\n}`,
  (g, env, d) => {
    const list = expr('arr', kid(g, 0), env, 0);
    const body = inner(env);
    return `for (const ${declare(body, 'num', name(env, 'p'))} of ${list}) {\n${block(g.body, body, d)}\n}`;
  },
  (g, env, d) => {
    const body = inner(env);
    const i = declare(body, 'num', name(env, 'i'));
    return `for (let ${i} = 0; ${i} < ${small(g, 8)}; ${i}++) {\n${block(g.body, body, d)}\n}`;
  },
  (g, env) => {
    const init = expr('obj', kid(g, 0), env, 0);
    return `const { a: ${declare(env, 'num', name(env))}, b: ${declare(env, 'str', name(env))}, c: ${declare(env, 'arr', name(env))} } = ${init};`;
  },
  (g, env) => {
    const [fallback, init] = [expr('num', kid(g, 0), env, 0), expr('arr', kid(g, 1), env, 0)];
    const [first, second, rest] = [declare(env, 'num', name(env)), declare(env, 'num', name(env)), declare(env, 'arr', name(env))];
    return `const [${first} = 0, ${second} = ${fallback}, ...${rest}] = ${init};`;
  },
  (g, env, d) => {
    const attempt = inner(env);
    const body = block(g.body, attempt, d);
    const thrown = `if (${cond(kid(g, 0), attempt, 0)}) {\nthrow new Error(${expr('str', kid(g, 1), attempt, 0)});\n}`;
    const handler = inner(env);
    const e = name(env, 'e');
    handler.str.push(`String(${e}.message)`);
    const finish = g.n % 3 === 0 ? `\n} finally {\nconsole.log(${quote(g.s)});` : '';
    return `try {\n${body}\n${thrown}\n} catch (${e}) {\n${block(g.alt, handler, d)}${finish}\n}`;
  },
  (g, env) => {
    const arrow = withVar(env, 'num', (p, body) => `(${p}) => ${expr('num', kid(g, 0), body, 0)}`);
    return `const ${declare(env, 'fn', name(env, 'f'))} = ${arrow};`;
  },
  (g, env) => {
    if (!env.async) return undefined;
    const calls = [echo(expr('obj', kid(g, 0), env, 0)), echo(expr('obj', kid(g, 1), env, 0))];
    return `const [${declare(env, 'obj', name(env))}, ${declare(env, 'obj', name(env))}] = await Promise.all([${calls.join(', ')}]);`;
  },
  (g, env) => {
    if (!env.async) return undefined;
    const list = expr('arr', kid(g, 0), env, 0);
    const each = withVar(env, 'num', (p, body) => `(${p}) => ${echo(`{ a: ${p}, b: ${expr('str', kid(g, 1), body, 0)}, c: [] }`)}`);
    const id = declare(env, 'arr', name(env));
    return `const ${id} = (await parallel(${list}.slice(0, 4), ${each}, { concurrency: ${1 + small(g, 3)} })).map((r) => r.a);`;
  },
  (g, env, d) => {
    const on = expr('num', kid(g, 0), env, 0);
    return `switch (${on} % 3) {\ncase 0: {\n${block(g.body, inner(env), d)}\nbreak;\n}\ncase 1:\nconsole.log('one');\nbreak;\ndefault: {\n${block(g.alt, inner(env), d)}\n}\n}`;
  },
  (g, env) => {
    if (!env.async) return undefined;
    const settled = `(await Promise.allSettled([${echo(expr('obj', kid(g, 0), env, 0))}])).map((r) => r.status).join(',')`;
    return `const ${declare(env, 'str', name(env))} = ${settled};`;
  },
  (g, env) => {
    // Engine errors differ in wording between engines, never in name.
    const e = name(env, 'e');
    return `try {\nconsole.log(typeof JSON.parse(${expr('str', kid(g, 0), env, 0)}));\n} catch (${e}) {\nconsole.log(${e}.name);\n}`;
  },
  (g, env, d) => {
    const list = expr('arr', kid(g, 0), env, 0);
    const body = inner(env);
    const p = declare(body, 'num', name(env, 'p'));
    return `for (const ${p} of ${list}) {\nif (${p} % 2 === 0) {\ncontinue;\n}\nif (${p} > ${small(g, 30)}) {\nbreak;\n}\n${block(g.body, body, d)}\n}`;
  },
  (g, env, d) => {
    const entries = `Object.entries(${expr('obj', kid(g, 0), env, 0)})`;
    const body = inner(env);
    return `for (const [${declare(body, 'str', name(env, 'k'))}] of ${entries}) {\n${block(g.body, body, d)}\n}`;
  },
];

function stmt(g: StmtGene, env: Env, depth: number): string {
  const choices = depth > 3 ? STMTS.slice(0, 6) : STMTS;
  return choices[g.op % choices.length]!(g, env, depth) ?? STMTS[0]!(g, env, depth)!;
}

/** How the program ends: its result is a `return`, the last expression statement, or nothing. */
const ENDINGS: ((g: Gene, env: Env) => string)[] = [
  (g, env) => `return ${expr(KINDS[small(g, 3)]!, g, env, 0)};`,
  (g, env) => `return { n: ${expr('num', kid(g, 0), env, 0)}, s: ${expr('str', kid(g, 1), env, 0)}, a: ${expr('arr', kid(g, 2), env, 0)} };`,
  (g, env) => `${expr(g.n % 2 ? 'str' : 'num', g, env, 0)};`,
  () => '',
  (g, env) => `return await ${echo(expr('obj', g, env, 0))};`,
  (g, env) => `return JSON.stringify(${expr('obj', g, env, 0)});`,
  (g, env) => `return [${num(g.n)}, ${expr('arr', g, env, 0)}];`,
  (g, env) => `throw new Error(${expr('str', g, env, 0)});`,
];

export function render(program: ProgramGene): string {
  const env = freshEnv();
  const body = program.stmts.map((g) => stmt(g, env, 0)).join('\n');
  return `${body}\n${ENDINGS[program.retKind % ENDINGS.length]!(program.ret, env)}`.trim();
}

/** Valid programs as text. */
export const validProgram: fc.Arbitrary<string> = programGene.map(render);

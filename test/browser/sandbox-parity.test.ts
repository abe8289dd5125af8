// The browser sandbox holds what the Node one holds, and answers what the Node one answers: attacks of
// test/security/attacks/ run in Chromium's Web Worker must end as they do on the server, the runaways of
// test/security/runaways.ts end with the same codes, and ordinary scripts replayed from one recording give the same
// values, errors, logs and counts in both.
import type { Page } from 'playwright-core';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, type ExecutionResult, type LimitsOverride, replayHandler, type Recording, type SecurityLevel } from '../../src/enclave/index.js';
import { TECHNIQUES, type Attack, type Expect } from '../security/attacks/index.js';
import { KNOWN_GAPS } from '../security/known-gaps.js';
import { RUNAWAYS } from '../security/runaways.js';
import { type SandboxBench, startSandboxBench } from './sandbox-harness.js';
import type { PageRunOptions } from './sandbox-page.js';

interface Case {
  code: string;
  level?: SecurityLevel;
  limits?: LimitsOverride;
  tools?: PageRunOptions['tools'];
}

let bench: SandboxBench;
let page: Page;
const enclaves = new Map<string, Enclave>();

beforeAll(async () => {
  bench = await startSandboxBench();
  page = await bench.open();
}, 60_000);
afterAll(async () => {
  await bench?.close();
  await Promise.all([...enclaves.values()].map((e) => e.dispose()));
});

/** Many runs in one round trip to the page, one after another (as a person replays: one worker, kept warm). */
function runAllInPage(cases: Case[]): Promise<ExecutionResult[]> {
  return page.evaluate(async (json) => {
    const out: ExecutionResult[] = [];
    for (const c of JSON.parse(json) as Case[]) {
      const options: PageRunOptions = {
        ...(c.level ? { level: c.level } : {}),
        ...(c.limits ? { limits: c.limits } : {}),
        ...(c.tools ? { tools: c.tools } : {}),
      };
      out.push((await window.sandbox.run(c.code, options)).result);
    }
    return out;
  }, JSON.stringify(cases));
}

/** The same case on the server's enclave (one per level and limits), with the same tools. */
function runInNode(c: Case): Promise<ExecutionResult> {
  const key = JSON.stringify([c.level ?? 'STRICT', c.limits ?? {}]);
  let enclave = enclaves.get(key);
  if (!enclave) enclaves.set(key, (enclave = new Enclave({ securityLevel: c.level ?? 'STRICT', poolSize: 1, ...(c.limits ? { limits: c.limits } : {}) })));
  const tools = c.tools;
  const toolHandler =
    tools?.kind === 'replay'
      ? replayHandler(tools.recording)
      : tools?.kind === 'attack'
        ? async (name: string) => {
            if (name === 'evil:data') return { ok: true, items: [1, 2, 3] };
            throw new Error(`no tool ${name} in this page`);
          }
        : tools?.kind === 'never'
          ? () => new Promise<never>(() => undefined)
          : undefined;
  return enclave.run(c.code, toolHandler ? { toolHandler } : {});
}

const shown = (r: ExecutionResult): string => JSON.stringify(r.success ? { value: r.value } : { code: r.error?.code, message: r.error?.message }).slice(0, 400);

/** As test/security/attacks.test.ts judges an outcome. */
function outcomeProblem(r: ExecutionResult, want: Expect): string | undefined {
  if (r.success) {
    if ('value' in want) return isDeepStrictEqual(JSON.parse(JSON.stringify(r.value ?? null)), want.value) ? undefined : `value ${shown(r)}`;
    return want.success ? undefined : `succeeded: ${shown(r)}`;
  }
  return r.error && want.codes?.includes(r.error.code) ? undefined : `ended ${shown(r)}`;
}

/** The page's own places must not show in what a script gets back (the browser's "host paths"). */
function leakProblem(r: ExecutionResult): string | undefined {
  const text = JSON.stringify(r);
  for (const mark of [bench.origin, 'sandbox-worker.js', 'page.js', 'at runOnWorker', 'blob:']) if (text.includes(mark)) return `shows ${mark}`;
  return undefined;
}

// Attacks on the sandbox itself; techniques about hostile tool results, secrets and the host's own data need the
// Node suite's tools and canaries and stay there.
const TECHNIQUES_HERE = [
  'constructor chains',
  'run-time computed keys',
  'prototype pollution',
  'global access',
  'aliasing restricted globals',
  'errors and stack traces',
  'syntax escapes',
];
const fits = (a: Attack): boolean => !a.slow && !a.toolResult && !KNOWN_GAPS.has(a.name) && !/evil:(?!data')/.test(a.code);

describe('attacks of test/security/attacks/ in the browser sandbox', () => {
  it('covers a good part of the suite', () => {
    const count = TECHNIQUES_HERE.flatMap((t) => TECHNIQUES[t]!.filter(fits)).length;
    expect(count).toBeGreaterThan(100);
  });

  it.each(TECHNIQUES_HERE)('%s: each ends as the Node suite expects, as in Node, leaking nothing of the page', async (technique) => {
    const attacks = TECHNIQUES[technique]!.filter(fits);
    const cases: Case[] = attacks.flatMap((a) => {
      const base = { ...(a.level ? { level: a.level } : {}), ...(a.limits ? { limits: a.limits } : {}), tools: { kind: 'attack' } as const };
      return [{ ...base, code: a.code }, ...(a.after ? [{ ...base, code: a.after.code }] : [])];
    });
    const inBrowser = await runAllInPage(cases);
    const problems: string[] = [];
    let i = 0;
    for (const a of attacks) {
      const r = inBrowser[i++]!;
      const node = await runInNode(cases[i - 1]!);
      const p = outcomeProblem(r, a.expect) ?? a.check?.(r) ?? leakProblem(r);
      if (p) problems.push(`${a.name}: ${p}`);
      if (r.error?.code !== node.error?.code)
        problems.push(`${a.name}: ${r.error?.code ?? 'success'} in the browser, ${node.error?.code ?? 'success'} in Node`);
      if (a.after) {
        const next = inBrowser[i++]!;
        const q = outcomeProblem(next, a.after.expect) ?? leakProblem(next);
        if (q) problems.push(`${a.name} (the next script): ${q}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the same results as the Node enclave', () => {
  const recording: Recording = {
    calls: [
      {
        tool: 'memory:read_graph',
        args: {},
        result: {
          entities: [
            { name: 'Ada', kind: 'person' },
            { name: 'Lovelace', kind: 'place' },
          ],
        },
      },
      { tool: 'everything:get-sum', args: { a: 1, b: 2 }, result: 3 },
      { tool: 'everything:echo', args: { message: 'hi' }, error: { code: 'TOOL_ERROR', message: 'echo is down' } },
      { tool: 'files:read', args: { path: 'big.txt' }, omitted: true },
    ],
  };
  const tools = { kind: 'replay', recording } as const;
  const CASES: Record<string, Case> = {
    'replayed values, reshaped': {
      code: "const g = await callTool('memory:read_graph', {});\nconst people = g.entities.filter((e) => e.kind === 'person');\nconsole.log('people', people.length);\nreturn { people: people.map((p) => p.name.toUpperCase()), all: g.entities.length };",
    },
    'parallel calls, in input order': {
      code: "const sums = await parallel([1, 2, 3], () => callTool('everything:get-sum', { b: 2, a: 1 }), { concurrency: 2 });\nreturn sums;",
    },
    'a recorded failure, caught': { code: "try { await callTool('everything:echo', { message: 'hi' }); } catch (e) { return [e.code, e.message]; }" },
    'a recorded failure, uncaught': { code: "const x = 1;\nawait callTool('everything:echo', { message: 'hi' });\nreturn x;" },
    'a result left out of the recording': { code: "return await callTool('files:read', { path: 'big.txt' });" },
    'a call the recording does not hold': { code: "return await callTool('memory:search_nodes', { query: 'x' });" },
    'a script error, with its line': { code: 'const a = null;\nconst b = 2;\nreturn a.b + b;' },
    'a thrown Error': {
      code: "const g = await callTool('memory:read_graph', {});\nif (g.entities.length > 1) throw new Error('too many: ' + g.entities.length);\nreturn 0;",
    },
    'built-ins': {
      code: "const m = new Map([['a', 1]]);\nconst s = new Set([1, 1, 2]);\nreturn { m: [...m], s: [...s], d: new Date(0).toISOString(), j: JSON.parse('{\"x\":[1,2]}'), r: [3, 1, 2].sort((x, y) => x - y), t: `${1 + 1}`, math: Math.max(1, 5) };",
    },
    'a regular expression at SECURE': { level: 'SECURE', code: "return 'a-b-c'.split(/-/).map((x) => x.toUpperCase()).join('');" },
    'a regular expression at STRICT': { code: "return /a+/.test('aaa');" },
    'too many tool calls': {
      limits: { maxToolCalls: 2 },
      code: "for (let i = 0; i < 5; i++) await callTool('everything:get-sum', { a: 1, b: 2 });\nreturn 1;",
    },
    'a dynamic tool name at STRICT': { code: "const n = 'memory:' + 'read_graph';\nreturn await callTool(n, {});" },
    'too much output': { limits: { maxResultBytes: 100 }, code: "return 'z'.repeat(500);" },
    'string doubling': { code: "let s = 'x';\nfor (let i = 0; i < 40; i++) { s = s + s; }\nreturn s.length;" },
    'an iteration runaway': { code: 'let n = 0;\n[1, 2, 3].forEach(() => { for (let i = 0; i < 600; i++) n++; });\nreturn n;' },
    'a validation error': { code: 'var x = 1;\nreturn x;' },
  };

  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const withTools = { ...c, tools };
    const [inBrowser] = await runAllInPage([withTools]);
    const inNode = await runInNode(withTools);
    const comparable = (r: ExecutionResult) => ({
      success: r.success,
      value: r.value,
      error: r.error,
      logs: r.logs,
      toolCalls: r.stats.toolCalls,
      iterations: r.stats.iterations,
      score: r.score,
    });
    expect(comparable(inBrowser!)).toEqual(comparable(inNode));
  });

  it('the runaways of test/security/runaways.ts end with the same codes as in Node', async () => {
    // Those that run to their deadline get a short one; the others keep the level's, as on the server.
    const cases: Case[] = RUNAWAYS.map((r) => ({
      code: r.code,
      ...(r.level ? { level: r.level } : {}),
      ...(r.codes.includes('TIMEOUT') ? { limits: { timeoutMs: 1500 } } : {}),
      tools: { kind: 'never' },
    }));
    const inBrowser = await runAllInPage(cases);
    const problems: string[] = [];
    for (const [i, runaway] of RUNAWAYS.entries()) {
      const b = inBrowser[i]!;
      const n = await runInNode(cases[i]!);
      const want = (r: ExecutionResult): boolean => (runaway.codes.length === 0 ? r.success : runaway.codes.includes(r.error?.code ?? ('success' as never)));
      if (!want(b)) problems.push(`${runaway.name}: ${shown(b)} in the browser`);
      if (b.error?.code !== n.error?.code)
        problems.push(`${runaway.name}: ${b.error?.code ?? 'success'} in the browser, ${n.error?.code ?? 'success'} in Node`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

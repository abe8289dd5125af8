// Bad input from the caller, the script or the tool handler: every case resolves to a result with a clear
// code (run() never rejects), and the same Enclave runs the next script normally.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError } from '../../src/enclave/index.js';
import type { ExecutionResult, ToolHandler } from '../../src/enclave/index.js';
import { waitFor } from '../wait-for.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const CLEAN = 'const xs = [1, 2, 3];\nreturn xs.map((x) => x * 2);';

/** Each tool name misbehaves in one way. */
const handler: ToolHandler = async (name) => {
  switch (name) {
    case 'bad:throw-error':
      throw new Error('the backend is down');
    case 'bad:throw-string':
      throw 'a plain string';
    case 'bad:throw-undefined':
      throw undefined;
    case 'bad:throw-null':
      throw null;
    case 'bad:throw-coded':
      throw new ToolCallError('INVALID_TOOL_ARGS', 'limit must be a number');
    case 'bad:throw-host-path':
      throw new Error(`ENOENT: no such file '${join(ROOT, 'src', 'config.json')}'`);
    case 'bad:function':
      return () => 1;
    case 'bad:nested-function':
      return { ok: true, callback: () => 1 };
    case 'bad:cycle': {
      const o: Record<string, unknown> = { a: 1 };
      o.self = o;
      return o;
    }
    case 'bad:bigint':
      return { n: 10n };
    case 'bad:symbol':
      return Symbol('s');
    case 'bad:map':
      return new Map([['a', 1]]);
    case 'bad:getter':
      return {
        get secret() {
          throw new Error('the getter ran');
        },
      };
    case 'bad:deep': {
      let v: unknown = 1;
      for (let i = 0; i < 500; i++) v = [v];
      return v;
    }
    case 'bad:undefined':
      return undefined;
    case 'bad:date':
      return { at: new Date(0) };
    case 'bad:nan':
      return { x: NaN, y: Infinity };
    default:
      return { ok: true };
  }
};
// Not async: a handler that throws before returning a promise.
const syncThrower = ((name: string) => {
  throw new Error(`sync failure in ${name}`);
}) as unknown as ToolHandler;

const enclave = new Enclave({ toolHandler: handler });
const noTools = new Enclave();
afterAll(() => Promise.all([enclave.dispose(), noTools.dispose()]));

async function expectNextRunWorks(e: Enclave = enclave): Promise<void> {
  expect(await e.run(CLEAN)).toMatchObject({ success: true, value: [2, 4, 6] });
}

function expectValidationIssue(r: ExecutionResult, rule: string, line: number, column: number): void {
  expect(r.success).toBe(false);
  expect(r.error).toMatchObject({ code: 'VALIDATION_ERROR', line, column });
  expect(r.error?.issues?.[0]).toMatchObject({ rule, line, column });
  expect(r.stats.toolCalls).toBe(0);
}

describe('bad code', () => {
  it('empty code', async () => {
    expectValidationIssue(await enclave.run(''), 'empty-code', 1, 1);
    expectValidationIssue(await enclave.run('\n  \n'), 'empty-code', 1, 1);
    await expectNextRunWorks();
  });
  it('binary garbage', async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    for (const code of [bytes.toString('latin1'), bytes.toString('utf8'), '\u0000\u0001\u0002']) {
      const r = await enclave.run(code);
      expect(r.success).toBe(false);
      expect(r.error?.code).toBe('VALIDATION_ERROR');
      expect(r.error?.issues?.map((i) => i.rule)).toContain('control-character');
    }
    await expectNextRunWorks();
  });
  it('10 MB of code is refused quickly', async () => {
    const t0 = performance.now();
    const r = await enclave.run(`return 1;\n// ${'x'.repeat(10 * 1024 * 1024)}`);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expectValidationIssue(r, 'code-too-large', 1, 1);
    expect(r.error?.message).toMatch(/32768/);
    await expectNextRunWorks();
  });
  it('syntax errors carry the line and column', async () => {
    expectValidationIssue(await enclave.run('const a = 1;\nconst b = ;\nreturn b;'), 'syntax-error', 2, 11);
    expectValidationIssue(await enclave.run('const a = [1, 2;\nreturn a;'), 'syntax-error', 1, 16);
    expectValidationIssue(await enclave.run("const a = 1;\nconst s = 'abc;\nreturn s;"), 'syntax-error', 2, 11);
    expectValidationIssue(await enclave.run('const a = 1;\nif (a) {\n  return a;\n'), 'syntax-error', 4, 1);
    const r = await enclave.run('const a = 1;\nconst b = ;\nreturn b;');
    expect(r.error?.message).toMatch(/^Line 2, column 11: Syntax error/);
    await expectNextRunWorks();
  });
  it('non-string code', async () => {
    for (const code of [42, undefined, null, { toString: () => 'return 1' }, ['return 1'], Buffer.from('return 1')]) {
      const r = await enclave.run(code as unknown as string);
      expectValidationIssue(r, 'not-a-string', 1, 1);
    }
    await expectNextRunWorks();
  });
  it('a runtime error carries the script position', async () => {
    const r = await enclave.run('const a = null;\nconst b = a.x;\nreturn b;');
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR', line: 2, column: 12 } });
    await expectNextRunWorks();
  });
  it('a thrown non-Error value is a RUNTIME_ERROR', async () => {
    const r = await enclave.run("const a = 1;\nthrow 'oops';");
    expect(r).toMatchObject({ success: false, error: { code: 'RUNTIME_ERROR' } });
    expect(r.error?.message).toContain('oops');
    await expectNextRunWorks();
  });
});

describe('a misbehaving tool handler', () => {
  /** The uncaught call fails the script with `code`; a try/catch sees the same code and the tool name. */
  async function expectToolFailure(tool: string, code = 'TOOL_ERROR'): Promise<ExecutionResult> {
    const uncaught = await enclave.run(`const a = 1;\nconst r = await callTool('${tool}', {});\nreturn r;`);
    expect(uncaught.success).toBe(false);
    expect(uncaught.error).toMatchObject({ code, tool });
    expect(uncaught.error!.message.length).toBeGreaterThan(5);
    expect(uncaught.error!.message).not.toMatch(/\n\s+at /); // no host stack frames
    const caught = await enclave.run(
      `let r;\ntry { r = await callTool('${tool}', {}); } catch (e) { r = { code: e.code, tool: e.tool, message: e.message }; }\nreturn r;`,
    );
    expect(caught.success).toBe(true);
    expect(caught.value).toMatchObject({ code, tool });
    await expectNextRunWorks();
    return uncaught;
  }

  it('throws a plain Error', async () => {
    const r = await expectToolFailure('bad:throw-error');
    expect(r.error?.message).toContain('the backend is down');
  });
  it('throws a non-Error (string, undefined, null)', async () => {
    await expectToolFailure('bad:throw-string');
    await expectToolFailure('bad:throw-undefined');
    await expectToolFailure('bad:throw-null');
  });
  it('throws a ToolCallError with its own code', async () => {
    const r = await expectToolFailure('bad:throw-coded', 'INVALID_TOOL_ARGS');
    expect(r.error?.message).toContain('limit must be a number');
  });
  it('throws synchronously', async () => {
    const sync = new Enclave({ toolHandler: syncThrower, poolSize: 1 });
    try {
      const r = await sync.run("const r = await callTool('bad:sync', {});\nreturn r;");
      expect(r).toMatchObject({ success: false, error: { code: 'TOOL_ERROR', tool: 'bad:sync' } });
      await expectNextRunWorks(sync);
    } finally {
      await sync.dispose();
    }
  });
  it('throws an error naming a host path: the path is not shown', async () => {
    const r = await expectToolFailure('bad:throw-host-path');
    expect(r.error?.message).not.toContain(ROOT);
  });
  it('returns a function', async () => {
    const r = await expectToolFailure('bad:function');
    expect(r.error?.message).toMatch(/function/);
    await expectToolFailure('bad:nested-function');
  });
  it('returns a cycle', async () => {
    const r = await expectToolFailure('bad:cycle');
    expect(r.error?.message).toMatch(/cycle/);
  });
  it('returns a BigInt', async () => {
    const r = await expectToolFailure('bad:bigint');
    expect(r.error?.message).toMatch(/bigint/i);
  });
  it('returns a symbol, a Map, a getter or absurd nesting', async () => {
    await expectToolFailure('bad:symbol');
    await expectToolFailure('bad:map');
    const getter = await expectToolFailure('bad:getter');
    expect(getter.error?.message).not.toContain('the getter ran'); // the getter is never invoked
    await expectToolFailure('bad:deep');
  });
  it('returns undefined: the script receives null', async () => {
    const r = await enclave.run("const r = await callTool('bad:undefined', {});\nreturn { r, isNull: r === null };");
    expect(r).toMatchObject({ success: true, value: { r: null, isNull: true } });
    await expectNextRunWorks();
  });
  it('returns Dates and non-finite numbers: they arrive as JSON would have them', async () => {
    const r = await enclave.run("const a = await callTool('bad:date', {});\nconst b = await callTool('bad:nan', {});\nreturn [a, b];");
    expect(r).toMatchObject({ success: true, value: [{ at: '1970-01-01T00:00:00.000Z' }, { x: null, y: null }] });
  });
  it('no handler at all: UNKNOWN_TOOL, catchable', async () => {
    const r = await noTools.run("const r = await callTool('db:list', {});\nreturn r;");
    expect(r).toMatchObject({ success: false, error: { code: 'UNKNOWN_TOOL', tool: 'db:list' } });
    const caught = await noTools.run("try { await callTool('db:list', {}); } catch (e) { return e.code; }\nreturn 'no';");
    expect(caught).toMatchObject({ success: true, value: 'UNKNOWN_TOOL' });
    await expectNextRunWorks(noTools);
  });
  it('bad callTool arguments from the script are catchable TypeErrors', async () => {
    const r = await enclave.run("let msg = '';\ntry { await callTool('x:y', [1, 2]); } catch (e) { msg = e.message; }\nreturn msg;");
    expect(r.success).toBe(true);
    expect(r.value).toMatch(/args must be an object/);
  });
});

describe('a misbehaving host', () => {
  it('an onEvent listener that throws neither crashes the process nor breaks the run', async () => {
    // In a child process: if the listener's error escapes as an uncaught exception, it ends that process only.
    const dir = mkdtempSync(join(tmpdir(), 'enclave-bad-input-'));
    const file = join(dir, 'child.mts');
    const index = join(ROOT, 'src', 'enclave', 'index.ts');
    writeFileSync(
      file,
      `
import { Enclave } from ${JSON.stringify(index)};
const e = new Enclave({ toolHandler: async () => ({ ok: 1 }), poolSize: 1 });
const onEvent = () => { throw new Error('listener bug'); };
const a = await e.run("const r = await callTool('a:b', {});\\nreturn r;", { onEvent });
const b = await e.run("console.log('hi');\\nreturn 2;", { onEvent });
const c = await e.run('return 3;');
console.log(JSON.stringify([a.success, b.success, c.value]));
await e.dispose();
`,
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 20_000 });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual([true, true, 3]);
    } catch (error) {
      const e = error as { code?: number; stderr?: string };
      expect.fail(`the host process died (exit ${e.code}): ${e.stderr?.split('\n').find((l) => /^\w*Error: /.test(l)) ?? ''}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('run() on a disposed Enclave resolves with an error', async () => {
    const e = new Enclave();
    await e.dispose();
    const r = await e.run('return 1;');
    expect(r).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR' } });
  });
});

describe('SERVER_BUSY', () => {
  it('with at most one worker and a queue of one, the third script is refused and the others succeed', async () => {
    // Each call waits until the test ends it, so the worker and the queue stay full for as long as the test needs.
    const release: Array<() => void> = [];
    const held: ToolHandler = () => new Promise((r) => release.push(() => r({ ok: true })));
    const busy = new Enclave({ poolSize: 1, maxWorkers: 1, maxQueue: 1, toolHandler: held });
    try {
      const script = (n: number): string => `const r = await callTool('slow:op', { n: ${n} });\nreturn ${n};`;
      const [first, second, third] = [busy.run(script(1)), busy.run(script(2)), busy.run(script(3))];
      // Refused at once: it settles while nothing has been released, so it never waited for a slot (no clock needed).
      const refused = await third;
      expect(refused).toMatchObject({ success: false, error: { code: 'SERVER_BUSY' } });
      expect(refused.error!.message.length).toBeGreaterThan(20);
      await waitFor(() => release.length === 1, { what: 'the first script to call its tool' });
      release.shift()!();
      await waitFor(() => release.length === 1, { what: 'the second script to call its tool' });
      release.shift()!();
      expect(await first).toMatchObject({ success: true, value: 1 });
      expect(await second).toMatchObject({ success: true, value: 2 });
      // Once the queue drains, the same Enclave accepts work again.
      expect(await busy.run('return 4;')).toMatchObject({ success: true, value: 4 });
    } finally {
      await busy.dispose();
    }
  });
});

// Limits that could be caught (issue 8): a limit ends the run, whatever the script wraps around it. Before the
// fix, running out of memory inside `try … finally { return … }` returned 'survived', and QuickJS's `null` (thrown
// when it cannot even build its out-of-memory error) was swallowed by `catch (e) {}`.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';

const strict = new Enclave({ toolHandler: async () => ({ ok: true }) });
const roomy = new Enclave({ limits: { maxIterations: 100_000_000, timeoutMs: 20_000 } });
afterAll(() => Promise.all([strict.dispose(), roomy.dispose()]));

describe('memory', () => {
  it("try { [...'x'.repeat(8e6)] } finally { return 'survived' }", async () => {
    const r = await strict.run("try { [...'x'.repeat(8e6)]; } finally { return 'survived'; }");
    expect(r.error?.code).toBe('MEMORY_LIMIT');
  });
  it('the engine throwing null when out of memory, swallowed by catch (e) {}', async () => {
    const r = await roomy.run('const keep = [];\ntry { for (let i = 0; i < 1e9; i++) keep.push([i]); } catch (e) {}\nreturn keep.length;');
    expect(r.error?.code).toBe('MEMORY_LIMIT');
  });
  it('out of memory in an async callback, swallowed by .catch', async () => {
    const r = await strict.run("const p = Promise.resolve().then(() => [...'x'.repeat(8e6)]);\nreturn await p.catch(() => 'swallowed');");
    expect(r.error?.code).toBe('MEMORY_LIMIT');
  });
});

describe('time, iterations and tool calls', () => {
  it('MAX_ITERATIONS through catch and a returning finally', async () => {
    expect((await strict.run("try { for (;;) {} } catch (e) { return 'caught'; } finally { return 'finally'; }")).error?.code).toBe('MAX_ITERATIONS');
  });
  it('MAX_TOOL_CALLS through catch', async () => {
    const code = "let n = 0;\nfor (let i = 0; i < 20; i++) { try { await callTool('a:b', {}); n++; } catch (e) { n--; } }\nreturn n;";
    expect((await strict.run(code)).error?.code).toBe('MAX_TOOL_CALLS');
  });
  it('TIMEOUT through finally', async () => {
    const quick = new Enclave({ limits: { timeoutMs: 300, maxIterations: 1e9 } });
    try {
      const r = await quick.run("try { for (;;) { 'x'.repeat(1000); } } finally { return 'late'; }");
      expect(r.error?.code).toBe('TIMEOUT');
    } finally {
      await quick.dispose();
    }
  });
});

describe('out of memory where nobody catches it (review of issue 8)', () => {
  const standard = new Enclave({ securityLevel: 'STANDARD' });
  const permissive = new Enclave({ securityLevel: 'PERMISSIVE' });
  afterAll(() => Promise.all([standard.dispose(), permissive.dispose()]));
  it.each([
    ['in a catch block, with a finally that returns', strict, "try { throw 1; } catch (e) { const a = [...'x'.repeat(8e6)]; } finally { return 'survived'; }"],
    [
      'in a catch block, with a finally that throws',
      strict,
      "try { throw 1; } catch (e) { const a = [...'x'.repeat(8e6)]; } finally { throw new Error('replaced'); }",
    ],
    ['in a .then callback nobody awaits', strict, "const p = Promise.resolve(1).then(() => [...'x'.repeat(8e6)].length);\nreturn 'ok';"],
    ['in an async arrow nobody awaits', standard, "const f = async () => [...'x'.repeat(8e6)].length;\nf();\nreturn 'ok';"],
    [
      'in an async arrow with a block body nobody awaits',
      standard,
      "const f = async () => { const a = [...'x'.repeat(8e6)]; return a.length; };\nf();\nreturn 'ok';",
    ],
  ])('%s', async (_name, enclave, code) => {
    expect((await enclave.run(code)).error?.code).toBe('MEMORY_LIMIT');
  });
  it('a result too large to write is an OUTPUT_LIMIT, not a promise that never settles', async () => {
    const r = await permissive.run("return 'x'.repeat(6e7);");
    expect(r.error?.code).toBe('OUTPUT_LIMIT');
  });
});

describe('one run does not change how the next one is judged', () => {
  it('after a run that filled its memory, a script throwing null on its own is an ordinary exception', async () => {
    const one = new Enclave({ poolSize: 1, maxWorkers: 1 });
    try {
      const fill = await one.run("const keep = [];\nfor (let i = 0; i < 8; i++) keep.push('x'.repeat(3e6) + i);\nreturn keep.length;");
      expect(fill.success).toBe(true);
      expect(await one.run("try { throw null; } catch (e) { return 'ok'; }")).toMatchObject({ success: true, value: 'ok' });
    } finally {
      await one.dispose();
    }
  });
});

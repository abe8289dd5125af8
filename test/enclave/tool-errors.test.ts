// A tool call that fails and is not caught ends the script with the call's code, tool, and the line of the call.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, ToolCallError } from '../../src/enclave/index.js';

const enclave = new Enclave({
  toolHandler: async (name) => {
    throw new ToolCallError(name.endsWith('bad') ? 'INVALID_TOOL_ARGS' : 'UNKNOWN_TOOL', `nothing called ${name}`);
  },
});
afterAll(() => enclave.dispose());

describe('uncaught tool errors', () => {
  it('point at the line of the failed call', async () => {
    const r = await enclave.run("const a = 1;\nconst b = [a].map((x) => x + 1);\nconst r = await callTool('crm:lookup', { id: b[0] });\nreturn r;");
    expect(r.error).toMatchObject({ code: 'UNKNOWN_TOOL', tool: 'crm:lookup', line: 3 });
  });

  it('inside a callback too', async () => {
    const r = await enclave.run("const ids = [1, 2];\n\nconst all = await Promise.all(ids.map((id) => callTool('crm:bad', { id })));\nreturn all;");
    expect(r.error).toMatchObject({ code: 'INVALID_TOOL_ARGS', tool: 'crm:bad', line: 3 });
  });

  it('a caught one does not end the script', async () => {
    const r = await enclave.run("let code = '';\ntry { await callTool('crm:x', {}); } catch (e) { code = e.code; }\nreturn code;");
    expect(r).toMatchObject({ success: true, value: 'UNKNOWN_TOOL' });
  });
});

describe('the context a handler is given', () => {
  it('names the execution: one object for every call of a run, another for the next run', async () => {
    const seen: object[][] = [];
    const local = new Enclave({
      toolHandler: async (_name, _args, context) => {
        seen.at(-1)!.push(context.run);
        return 1;
      },
    });
    try {
      for (let i = 0; i < 2; i++) {
        seen.push([]);
        const r = await local.run("const a = await Promise.all([callTool('t:a', {}), callTool('t:b', {})]);\nreturn a.length + (await callTool('t:c', {}));");
        expect(r).toMatchObject({ success: true, value: 3 });
      }
    } finally {
      await local.dispose();
    }
    const [first, second] = seen as [object[], object[]];
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(first[0]).not.toBe(second[0]);
    expect(Object.isFrozen(first[0])).toBe(true);
  });
});

describe('context.untimed', () => {
  it('stops the clock while the handler waits for a person, also for calls waiting at once', async () => {
    const local = new Enclave({
      limits: { timeoutMs: 800 },
      toolHandler: async (name, _args, context) => {
        const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
        if (name === 'ask:slow') await context.untimed(wait(1200));
        if (name === 'ask:slower') await context.untimed(wait(1800));
        if (name === 'plain:slow') await wait(1200);
        return name;
      },
    });
    try {
      const asked = await local.run("return await Promise.all([callTool('ask:slow', {}), callTool('ask:slower', {})]);");
      expect(asked).toMatchObject({ success: true, value: ['ask:slow', 'ask:slower'] });
      expect(asked.stats.durationMs).toBeGreaterThan(1800);
      // Without it, the same wait is past the time limit.
      const plain = await local.run("return await callTool('plain:slow', {});");
      expect(plain.error?.code).toBe('TIMEOUT');
    } finally {
      await local.dispose();
    }
  });
});

describe('context.untimed does not give a script CPU time', () => {
  it('what the script runs during the pause counts against its limit; an idle wait does not', async () => {
    const local = new Enclave({
      securityLevel: 'PERMISSIVE',
      limits: { timeoutMs: 1000, maxIterations: 1e9 },
      toolHandler: async (name, _args, context) => {
        if (name === 'x:approval') await context.untimed(new Promise((resolve) => setTimeout(resolve, 2500)));
        return name;
      },
    });
    const script = (during: number) =>
      `const burn = (ms) => { const end = Date.now() + ms; let n = 0; for (let i = 0; Date.now() < end; i++) n++; return n; };\nconst a = callTool('x:approval', {});\nawait callTool('x:fast', {});\nburn(${during});\nawait a;\nburn(100);\nreturn 'done';`;
    try {
      // 100 ms of work after an idle 2.5 s wait: well inside 1 s (300 ms took up to 736 ms of the clock under load).
      expect(await local.run(script(0))).toMatchObject({ success: true, value: 'done' });
      // 1 s of work while the approval was pending, then 100 ms more: 1.1 s of the script's own time.
      const r = await local.run(script(1000));
      expect(r.error?.code).toBe('TIMEOUT');
    } finally {
      await local.dispose();
    }
  });
});

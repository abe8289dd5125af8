// api.js and ext.js: callTool checks its arguments and the host's run-time policy; console output has a budget per
// line and per run before it leaves the sandbox; JSON.stringify writes what the copy walk read once (no override
// or shared reference makes the native stringify do more than was counted).
import { describe, expect, it } from 'vitest';
import { codeOf, runInSandbox, valueOf } from './harness.js';

describe('callTool', () => {
  it.each([
    ['a name that is not a string', 'return await callTool(42, {});', /name must be a string/],
    ['a name over 256 characters', "return await callTool('a:' + 'b'.repeat(300), {});", /at most 256 characters/],
    ['arguments that are an array', "return await callTool('a:b', [1]);", /args must be an object/],
  ])('refuses %s with a clear TypeError', async (_name, code, message) => {
    const run = await runInSandbox(code, { level: 'SECURE' });
    expect(codeOf(run)).toBe('RUNTIME_ERROR');
    expect(run.done.error?.message).toMatch(message);
    expect(run.calls).toEqual([]);
  });
  it('at STRICT, a name computed through an alias never reaches the host', async () => {
    const run = await runInSandbox("const ct = callTool;\nreturn await ct(['a', 'b'].join(':'), {});");
    expect(codeOf(run)).toBe('VALIDATION_ERROR');
    expect(run.done.error?.line).toBe(2);
    expect(run.calls).toEqual([]);
  });
  it('at STRICT, a name spelled out in the script may go through an alias', async () => {
    const run = await runInSandbox("const ct = callTool;\nreturn await ct('a:b', { x: 1 });");
    expect(valueOf(run)).toEqual({ x: 1 });
  });
  it('callTool has no .call / .apply / .bind to detour through', async () => {
    const run = await runInSandbox("return await callTool.call(null, 'a:b', {});", { level: 'SECURE' });
    expect(codeOf(run)).toBe('RUNTIME_ERROR');
    expect(run.calls).toEqual([]);
  });
  it('a failed call throws an error with the code, which the script may catch', async () => {
    const run = await runInSandbox("try { await callTool('a:b', {}); } catch (e) { return [e.code, e.message]; }", { tool: () => new Error('down') });
    expect(valueOf(run)).toEqual(['TOOL_ERROR', 'down']);
  });
});

describe('console budget', () => {
  it('one huge line is cut to the run budget before it leaves the sandbox', async () => {
    const run = await runInSandbox("console.log('x'.repeat(1e6));\nreturn 1;");
    valueOf(run);
    const total = run.logs.reduce((n, l) => n + Buffer.byteLength(l.message), 0);
    expect(total).toBeLessThan(64 * 1024 + 200);
    expect(run.logs.at(-1)?.message).toMatch(/truncated/);
  });
  it('many lines stop at the call budget with one notice', async () => {
    const run = await runInSandbox("for (let i = 0; i < 500; i++) console.log('line ' + i);\nreturn 1;");
    expect(run.logs.length).toBe(101);
    expect(run.logs.at(-1)?.message).toMatch(/more than 100 calls/);
  });
  it('the byte budget holds for multi-byte text too (counted again in UTF-8 outside the engine)', async () => {
    const run = await runInSandbox("console.log('€'.repeat(60000));\nreturn 1;");
    const total = run.logs.reduce((n, l) => n + Buffer.byteLength(l.message), 0);
    expect(total).toBeLessThanOrEqual(64 * 1024 + 200);
  });
});

describe('JSON.stringify through the copy walk', () => {
  it('writes what the native JSON.stringify writes for ordinary data', async () => {
    const code = `const v = { a: [1, 'two', null, true, { b: undefined, c: 1.5 }], d: new Date(0), e: [undefined], f: JSON.parse('{"__proto__": 1}') };
return [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, ['a', 'd']), JSON.stringify('x'), JSON.stringify(undefined) === undefined];`;
    const expected = (() => {
      const v = { a: [1, 'two', null, true, { b: undefined, c: 1.5 }], d: new Date(0), e: [undefined], f: JSON.parse('{"__proto__": 1}') as unknown };
      return [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, ['a', 'd']), JSON.stringify('x'), true];
    })();
    expect(valueOf(await runInSandbox(code))).toEqual(expected);
  });
  it('a replaced toISOString is refused, not followed into a shared-reference DAG', async () => {
    const run = await runInSandbox(
      'const d = new Date(0);\nlet o = [];\nfor (let i = 0; i < 30; i++) o = [o, o];\nconst iso = () => o;\nd.toISOString = iso;\nreturn JSON.stringify([d]).length;',
      { level: 'STANDARD' },
    );
    expect(codeOf(run)).toBe('RUNTIME_ERROR');
    expect(run.done.error?.message).toMatch(/toISOString/);
  });
  it('what a replacer returns is walked and counted too', async () => {
    const run = await runInSandbox('let o = [];\nfor (let i = 0; i < 30; i++) o = [o, o];\nreturn JSON.stringify([1], (k, v) => (k === "0" ? o : v)).length;');
    expect(codeOf(run)).toBe('MEMORY_LIMIT');
  });
  it('JSON.parse refuses text nested deeper than 100 levels', async () => {
    const run = await runInSandbox("return JSON.parse('['.repeat(5000) + ']'.repeat(5000));");
    expect(run.done.error?.message).toMatch(/deeper than 100/);
  });
});

describe('tool-call arguments have a budget of their own (the host parses them on its main thread)', () => {
  it('arguments over a megabyte of JSON fail the call with INVALID_TOOL_ARGS, which the script may catch', async () => {
    const run = await runInSandbox("try { await callTool('a:b', { blob: 'x'.repeat(2e6) }); } catch (e) { return e.code; }", { level: 'SECURE' });
    expect(valueOf(run)).toBe('INVALID_TOOL_ARGS');
    expect(run.calls).toEqual([]);
  });
  it('many small values count too', async () => {
    const run = await runInSandbox(
      "const big = Object.fromEntries(JSON.parse('[[\"k' + [...Array(120000).keys()].join('\",0],[\"k') + '\",0]]'));\ntry { await callTool('a:b', big); } catch (e) { return e.code; }",
      { level: 'SECURE' },
    );
    expect(valueOf(run)).toBe('INVALID_TOOL_ARGS');
    expect(run.calls).toEqual([]);
  });
});

describe('members of the listed globals that are not listed are gone at run time too', () => {
  it.each(['Promise.try', 'Promise.withResolvers', 'Map.groupBy', 'Set.groupBy', 'String.raw', 'Error.isError'])('%s', async (expr) => {
    expect(valueOf(await runInSandbox(`return typeof ${expr};`, { raw: true }))).toBe('undefined');
  });
  it('parallel counts its callback, a built-in too', async () => {
    const run = await runInSandbox('return (await parallel([...Array(2000).keys()], Math.abs)).length;');
    expect(codeOf(run)).toBe('MAX_ITERATIONS');
  });
});

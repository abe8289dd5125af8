// The result of DESIGN §5 has one source, result-schema.ts: ExecutionResult is derived from it, and the shapes still
// written as interfaces elsewhere (errors.ts, replay.ts) must equal what it derives. Results a real enclave returns, on
// every path, parse with it; anything else does not.
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  Enclave,
  ERROR_CODES,
  type ExecutionError,
  type ExecutionResult,
  type Issue,
  type RecordedCall,
  type Recording,
  ToolCallError,
} from '../../src/enclave/index.js';
import {
  ExecutionErrorSchema,
  ExecutionResultSchema,
  type IssueSchema,
  type LOG_LEVELS,
  type RecordedCallSchema,
  type RecordingSchema,
} from '../../src/enclave/result-schema.js';
import type { LogLevel } from '../../src/enclave/types.js';

const enclave = new Enclave({
  securityLevel: 'SECURE',
  toolHandler: async (name, args) => {
    if (name === 'crm:broken') throw new ToolCallError('INVALID_TOOL_ARGS', 'crm:broken wants an id');
    return { echoed: args };
  },
});
afterAll(() => enclave.dispose());

describe('ExecutionResultSchema', () => {
  it('is where the types come from: the interfaces written elsewhere equal what it derives', () => {
    expectTypeOf<z.infer<typeof ExecutionResultSchema>>().toEqualTypeOf<ExecutionResult>();
    expectTypeOf<z.infer<typeof ExecutionErrorSchema>>().toEqualTypeOf<ExecutionError>();
    expectTypeOf<z.infer<typeof IssueSchema>>().toEqualTypeOf<Issue>();
    expectTypeOf<z.infer<typeof RecordingSchema>>().toEqualTypeOf<Recording>();
    expectTypeOf<z.infer<typeof RecordedCallSchema>>().toEqualTypeOf<RecordedCall>();
    expectTypeOf<(typeof LOG_LEVELS)[number]>().toEqualTypeOf<LogLevel>();
    expect(ExecutionErrorSchema.shape.code.options).toEqual(ERROR_CODES);
  });

  it.each([
    ['a value, logs and a recording', "console.warn('w'); const a = await callTool('crm:find', { q: 'ada' }); return { a, n: [1, null] };"],
    ['a tool error the script caught', "try { await callTool('crm:broken', {}); } catch (e) { return e.code; }"],
    ['a validation error with issues', 'while (true) {}'],
    ['a runtime error with a line', 'const x = null;\nreturn x.y;'],
  ])('parses what the enclave returns: %s', async (_, code) => {
    const result = await enclave.run(code, { record: true });
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
  });

  it('the paths above are the ones named, so each part of the schema met a real result', async () => {
    const recorded = await enclave.run("return await callTool('crm:find', { q: 'ada' });", { record: true });
    expect(recorded.recording?.calls).toEqual([{ tool: 'crm:find', args: { q: 'ada' }, result: { echoed: { q: 'ada' } } }]);
    expect((await enclave.run('while (true) {}')).error?.issues?.length).toBeGreaterThan(0);
    expect((await enclave.run('const x = null;\nreturn x.y;')).error).toMatchObject({ code: 'RUNTIME_ERROR', line: 2 });
  });

  it('refuses what is not a result: an unknown code, an unknown log level, a missing part, a recording flag other than true', () => {
    const ok: ExecutionResult = { success: true, value: 1, logs: [{ level: 'log', message: 'm' }], stats: { durationMs: 1, toolCalls: 0, iterations: 0 } };
    expect(ExecutionResultSchema.safeParse(ok).success).toBe(true);
    expect(ExecutionResultSchema.safeParse({ ...ok, success: false, error: { code: 'OOPS', message: 'm' } }).success).toBe(false);
    expect(ExecutionResultSchema.safeParse({ ...ok, logs: [{ level: 'debug', message: 'm' }] }).success).toBe(false);
    expect(ExecutionResultSchema.safeParse({ ...ok, stats: { durationMs: 1 } }).success).toBe(false);
    expect(ExecutionResultSchema.safeParse({ ...ok, recording: { calls: [{ tool: 't', args: {}, omitted: false }] } }).success).toBe(false);
  });
});

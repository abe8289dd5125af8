// Reading what the server sends, defensively: progress params into events (spec §2), events into tool calls, and
// the structured answers (DESIGN §5, spec §4–5) — a shape this version does not know is skipped or BAD_RESPONSE,
// never a crash in the caller's code.
import { describe, expect, it } from 'vitest';
import { EnclaveClientError, eventOf, toolCallOf } from '../../src/client/index.js';
import { resultOf, settingsOf, toolInfosOf } from '../../src/client/replies.js';

const params = (event: unknown): unknown => ({ progress: 1, message: 'text for people', _meta: { 'enclave-mcp/event': event } });

describe('eventOf: progress params → ExecutionEvent', () => {
  it('reads each event type the server streams', () => {
    expect(eventOf(params({ type: 'started', queuedMs: 3 }))).toEqual({ type: 'started', queuedMs: 3 });
    expect(eventOf(params({ type: 'tool-call-start', id: 1, tool: 'memory:read_graph', args: { a: [1, 'x', null] } }))).toEqual({
      type: 'tool-call-start',
      id: 1,
      tool: 'memory:read_graph',
      args: { a: [1, 'x', null] },
    });
    const end = { type: 'tool-call-end', id: 1, tool: 'memory:read_graph', ok: true, durationMs: 12.5, resultBytes: 40 };
    expect(eventOf(params(end))).toEqual(end);
    expect(eventOf(params({ type: 'log', level: 'warn', message: 'careful' }))).toEqual({ type: 'log', level: 'warn', message: 'careful' });
  });

  it('keeps cut args (a string) and fields a newer server adds', () => {
    const start = { type: 'tool-call-start', id: 2, tool: 's:t', args: '{"text":"aaaa…', depth: 3 };
    expect(eventOf(params(start))).toEqual(start);
  });

  it('shows a log line of an unknown level as a plain log rather than dropping it', () => {
    expect(eventOf(params({ type: 'log', level: 'debug', message: 'm' }))).toEqual({ type: 'log', level: 'log', message: 'm' });
  });

  it.each([
    ['an unknown event type', params({ type: 'tool-call-progress', id: 1 })],
    ['a tool-call-start without an id', params({ type: 'tool-call-start', tool: 's:t', args: {} })],
    ['a tool-call-end whose ok is not a boolean', params({ type: 'tool-call-end', id: 1, tool: 's:t', ok: 'yes', durationMs: 1 })],
    ['a log without a message', params({ type: 'log', level: 'log' })],
    ['args that are not JSON', params({ type: 'tool-call-start', id: 1, tool: 's:t', args: { f: () => 1 } })],
    ['no event in _meta', { progress: 1, _meta: { other: 1 } }],
    ['no _meta at all (a plain progress notification)', { progress: 1, total: 2 }],
    ['_meta that is not an object', { progress: 1, _meta: 'x' }],
    ['params that are not an object', 'started'],
    ['null', null],
  ])('skips %s', (_label, value) => {
    expect(eventOf(value)).toBeUndefined();
  });
});

describe('toolCallOf: events → onToolCall', () => {
  it('a start is running with its args; an end is ok or error with timing, under the same id', () => {
    expect(toolCallOf({ type: 'tool-call-start', id: 4, tool: 'a:b', args: { x: 1 } })).toEqual({ id: 4, tool: 'a:b', args: { x: 1 }, status: 'running' });
    expect(toolCallOf({ type: 'tool-call-end', id: 4, tool: 'a:b', ok: true, durationMs: 9, resultBytes: 2 })).toEqual({
      id: 4,
      tool: 'a:b',
      status: 'ok',
      durationMs: 9,
      resultBytes: 2,
    });
    const error = { code: 'TOOL_ERROR', message: 'a:b failed: boom' };
    expect(toolCallOf({ type: 'tool-call-end', id: 5, tool: 'a:b', ok: false, durationMs: 1, code: 'TOOL_ERROR', error })).toEqual({
      id: 5,
      tool: 'a:b',
      status: 'error',
      durationMs: 1,
      error,
    });
  });

  it('a failed end without an error object still says how it failed', () => {
    expect(toolCallOf({ type: 'tool-call-end', id: 6, tool: 'a:b', ok: false, durationMs: 1, code: 'POLICY_BLOCKED' })?.error?.code).toBe('POLICY_BLOCKED');
  });

  it('logs and started are not tool calls', () => {
    expect(toolCallOf({ type: 'log', level: 'log', message: 'x' })).toBeUndefined();
    expect(toolCallOf({ type: 'started', queuedMs: 0 })).toBeUndefined();
  });
});

const stats = { durationMs: 5, toolCalls: 0, iterations: 1 };
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof EnclaveClientError ? error.code : `not an EnclaveClientError: ${String(error)}`;
  }
  return undefined;
};

describe('resultOf: execute_agentscript → ExecutionResult', () => {
  it('takes the structured content, failures included (a failed script is a result)', () => {
    const failed = { success: false, error: { code: 'UNKNOWN_TOOL', message: 'm', tool: 'x:y' }, logs: [{ level: 'log', message: 'hi' }], stats };
    expect(resultOf({ structuredContent: failed, isError: true })).toEqual(failed);
    expect(resultOf({ structuredContent: { success: true, value: [1, { a: 'b' }], logs: [], stats, score: 3 } }).value).toEqual([1, { a: 'b' }]);
  });

  it('a server refusal without a result is REQUEST_FAILED with its text; a result of another shape is BAD_RESPONSE', () => {
    expect(codeOf(() => resultOf({ isError: true, content: [{ type: 'text', text: 'Input validation error: code is required' }] }))).toBe('REQUEST_FAILED');
    expect(() => resultOf({ isError: true, content: [{ type: 'text', text: 'Input validation error: code is required' }] })).toThrow(/code is required/);
    expect(codeOf(() => resultOf({ content: [{ type: 'text', text: '1' }] }))).toBe('BAD_RESPONSE');
    expect(codeOf(() => resultOf({ structuredContent: { success: true, logs: [] } }))).toBe('BAD_RESPONSE');
    expect(() => resultOf({ structuredContent: { success: 'yes', logs: [], stats } })).toThrow(/success/);
  });
});

describe('toolInfosOf and settingsOf', () => {
  it('search_tools structured content → ToolInfo[]', () => {
    const tools = [{ name: 'memory:read_graph', summary: 'Read the graph', declaration: 'declare…', inputSchema: { type: 'object' } }];
    expect(toolInfosOf({ structuredContent: { tools } })).toEqual(tools);
    expect(codeOf(() => toolInfosOf({ structuredContent: { tools: [{ summary: 'no name' }] } }))).toBe('BAD_RESPONSE');
  });

  it('settings come from _meta, or are undefined when absent or of another shape', () => {
    const limits = {
      timeoutMs: 1,
      maxIterations: 1,
      maxToolCalls: 1,
      memoryBytes: 1,
      maxCodeBytes: 1,
      maxResultBytes: 1,
      maxLogBytes: 1,
      maxLogCalls: 1,
      maxConcurrency: 1,
      maxNestingDepth: 1,
      maxLineLength: 1,
      maxStringLiteralBytes: 1,
    };
    expect(settingsOf({ 'enclave-mcp/settings': { securityLevel: 'SECURE', limits } })).toEqual({ securityLevel: 'SECURE', limits });
    expect(settingsOf({ 'enclave-mcp/settings': { securityLevel: 'LAX', limits } })).toBeUndefined();
    expect(settingsOf({ 'enclave-mcp/settings': { securityLevel: 'STRICT', limits: { timeoutMs: 1 } } })).toBeUndefined();
    expect(settingsOf(undefined)).toBeUndefined();
  });
});

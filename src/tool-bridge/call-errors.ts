// How each way a downstream call can fail reads to the script: always TOOL_ERROR, with a message that says what
// happened and what the script can do about it.
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ToolCallError } from '../enclave/index.js';

/** The TOOL_ERROR of a call to a server that is not connected, said the same wherever it is found out. */
export function serverUnavailable(server: string, reason: string): ToolCallError {
  return new ToolCallError(
    'TOOL_ERROR',
    `Server "${server}" is unavailable (${reason}); it is being reconnected. Try again later, or catch the error and go on without it.`,
  );
}

/** The TOOL_ERROR for a failed call; `oversized` when the SDK reset the connection over a too-large message. */
export function callError(server: string, tool: string, error: unknown, timeout: number, signal: AbortSignal | undefined, oversized: boolean): ToolCallError {
  const qualified = `${server}:${tool}`;
  if (signal?.aborted) return new ToolCallError('TOOL_ERROR', `${qualified} was cancelled because the script ended.`);
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new ToolCallError(
      'TOOL_ERROR',
      `${qualified} did not answer within ${timeout} ms and was cancelled. Call it with less work, or catch the error and go on without it.`,
    );
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed && oversized) {
    // The SDK's stdio client resets the connection itself on such a message; "the server closed it" would be
    // wrong, and the script could only help by asking for less.
    return new ToolCallError(
      'TOOL_ERROR',
      `Server "${server}" sent a message larger than the ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes read from a server at once (during ${qualified}), so the connection was reset and the server is being restarted. Ask for less data per call (a page, a filter, fewer fields), or catch the error.`,
    );
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new ToolCallError(
      'TOOL_ERROR',
      `Server "${server}" closed the connection during ${qualified}; it is being reconnected. Try again later, or catch the error.`,
    );
  }
  if (error instanceof McpError) {
    return new ToolCallError('TOOL_ERROR', `${qualified} failed: ${stripMcpPrefix(error.message)}`);
  }
  // The SDK rejects results that do not match the protocol's schema (or the tool's outputSchema) itself.
  return new ToolCallError(
    'TOOL_ERROR',
    `${qualified} returned a result that does not follow the MCP protocol (${protocolProblem(error)}). Catch the error, or use another tool.`,
  );
}

export const firstLine = (text: string): string => (text.split('\n')[0] ?? '').slice(0, 300);

/** A ZodError's message is its issues as pretty-printed JSON (first line "["): say the first issue instead. */
function protocolProblem(error: unknown): string {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const { path, message } = issues[0] as { path?: unknown; message?: unknown };
    const at =
      Array.isArray(path) && path.length > 0
        ? path
            .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
            .join('')
            .replace(/^\./, '')
        : 'the result';
    return firstLine(`${at}: ${String(message)}`);
  }
  return firstLine(error instanceof Error ? error.message : String(error));
}
const stripMcpPrefix = (text: string): string => firstLine(text.replace(/^MCP error -?\d+:\s*/, ''));

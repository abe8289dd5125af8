// One tool call served on the page's thread for the browser sandbox: call the handler and turn whatever happens into
// the reply the sandbox gets, with the checks of the Node host (tool-reply.ts): the arguments' size and JSON, a coded
// error with a bounded message, a result that is JSON within the size the sandbox accepts. Never throws or rejects.
// Unlike the Node host, the handler is the page's own code (a replay of a recording it holds), not a downstream
// server's data, and a browser cannot tell a Proxy apart: its value is read with JSON.stringify, and no redaction is
// applied beyond what the recording already had (the server redacted it when it recorded).
import { isToolErrorCode, type ErrorCode } from '../errors.js';
import type { ToolReply } from '../tool-reply.js';
import { ABORTED, parseToolArgs, quotedToolName, untilAborted } from '../tool-args.js';
import type { ToolCallContext, ToolHandler } from '../types.js';
import { capText, plainText } from '../../shared/text.js';

export interface BrowserToolCall extends ToolCallContext {
  /** Undefined when the page gave no handler: every call is UNKNOWN_TOOL. */
  handler: ToolHandler | undefined;
  name: string;
  /** The script's arguments as JSON text (from the sandbox). */
  argsText: string;
  maxResultBytes: number;
  maxArgsBytes: number;
}

const quoted = quotedToolName;
const failed = (code: ErrorCode, message: string): ToolReply => ({ ok: false, error: { code, message } });

export async function browserToolReply(call: BrowserToolCall): Promise<ToolReply> {
  const { handler, name, argsText, signal } = call;
  if (!handler) return failed('UNKNOWN_TOOL', `Unknown tool ${quoted(name)}: no tools are available in this sandbox.`);
  const parsed = parseToolArgs(name, argsText, call.maxArgsBytes);
  if (!parsed.ok) return parsed;
  const args = parsed.args;
  const cancelled = failed('TOOL_ERROR', `The call to ${quoted(name)} was cancelled.`);
  if (signal.aborted) return cancelled;
  let value: unknown;
  try {
    value = await untilAborted(
      Promise.resolve().then(() => handler(name, args, { signal: call.signal, run: call.run, untimed: call.untimed })),
      signal,
    );
  } catch (reason) {
    return failure(reason, name);
  }
  if (value === ABORTED) return cancelled;
  return resultText(value, name, call.maxResultBytes);
}

function resultText(value: unknown, name: string, maxBytes: number): ToolReply {
  let text: string | undefined;
  try {
    text = value === undefined ? 'null' : JSON.stringify(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'it cannot be written as JSON';
    return failed('TOOL_ERROR', `The tool ${quoted(name)} returned a result that is not usable JSON data: ${capText(plainText(why), 200)}.`);
  }
  if (typeof text !== 'string') return failed('TOOL_ERROR', `The tool ${quoted(name)} returned a result that is not usable JSON data: a ${typeof value}.`);
  // Counted in characters, as the Node host's writer counts (json-data.ts).
  if (text.length > maxBytes) {
    return failed(
      'TOOL_ERROR',
      `The tool ${quoted(name)} returned a result that is not usable JSON data: it is more than the ${maxBytes} bytes a script may receive.`,
    );
  }
  return { ok: true, value: text };
}

/** A failed call as the script sees it: the handler's code when it is a tool code, and a bounded, plain message. */
function failure(reason: unknown, name: string): ToolReply {
  const fallback = `The tool ${quoted(name)} failed. Check its arguments, or handle the failure with try/catch.`;
  if (typeof reason === 'string') return failed('TOOL_ERROR', reason.trim() ? capText(plainText(reason)) : fallback);
  if (typeof reason !== 'object' || reason === null) return failed('TOOL_ERROR', fallback);
  const { code, message } = reason as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message.trim() ? capText(plainText(message)) : fallback;
  return failed(isToolErrorCode(code) ? code : 'TOOL_ERROR', text);
}

// One tool call, served on the host: call the handler and turn whatever happens into the reply the sandbox gets.
// The handler is host code, but what it throws or returns may be anything (a downstream's error body, a Proxy, an
// object with a hostile prototype, a thenable that never settles). toolReply never throws or rejects, and reads a
// failure without running any of its code: own data properties through descriptors, util.types before anything.
import { types } from 'node:util';
import { isToolErrorCode, type ErrorCode } from './errors.js';
import { toJsonTextAsync } from './json-data.js';
import { ABORTED, parseToolArgs, quotedToolName, untilAborted } from './tool-args.js';
import type { Redactor } from '../shared/index.js';
import type { JsonObject, ToolCallContext, ToolHandler } from './types.js';

export type ToolReply = { ok: true; value: string } | { ok: false; error: { code: ErrorCode; message: string } };

export interface ToolCall {
  /** Undefined when the enclave has no tools: every call is UNKNOWN_TOOL. */
  handler: ToolHandler | undefined;
  name: string;
  /** The script's arguments as JSON text (from the sandbox). */
  argsText: string;
  /** Aborted when the script no longer waits for this call: the handler is told, and the reply is not awaited. */
  signal: AbortSignal;
  /** The execution's identity and clock, passed to the handler (ToolCallContext). */
  run: object;
  untimed: ToolCallContext['untimed'];
  /** Largest JSON text of a result the sandbox is given. */
  maxResultBytes: number;
  /** Largest JSON text of the arguments parsed here (the sandbox refuses larger ones first). */
  maxArgsBytes: number;
  redactor: Redactor;
}

/** Plain data thrown as a message is rendered up to this size (its strings are then capped, and the message). */
const MAX_RENDERED_MESSAGE = 256 * 1024;
const { getOwnPropertyDescriptor } = Object;

const quoted = quotedToolName;

/** Serves one call. Resolves (never rejects) to the value's JSON text or to a coded error with a safe message. */
export async function toolReply(call: ToolCall): Promise<ToolReply> {
  try {
    return await serve(call);
  } catch {
    // Only a bug of ours gets here (serve catches the handler's failures): still a reply, never a crash.
    return failed('TOOL_ERROR', `The tool ${quoted(call.name)} failed. Check its arguments, or handle the failure with try/catch.`);
  }
}

async function serve({ handler, name, argsText, signal, run, untimed, maxResultBytes, maxArgsBytes, redactor }: ToolCall): Promise<ToolReply> {
  if (!handler) return failed('UNKNOWN_TOOL', `Unknown tool ${quoted(name)}: no tools are available in this sandbox.`);
  // Parsed on this (main) thread: its size is checked before any of it is read.
  const parsed = parseToolArgs(name, argsText, maxArgsBytes);
  if (!parsed.ok) return parsed;
  const args = parsed.args;
  // Nobody reads this reply (the script has moved on), but the call still ends with one.
  const cancelled = failed('TOOL_ERROR', `The call to ${quoted(name)} was cancelled.`);
  if (signal.aborted) return cancelled;
  const settled = await untilAborted(callHandler(handler, name, args, { signal, run, untimed }), signal);
  if (settled === ABORTED) return cancelled;
  if (!settled.ok) return await failure(settled.reason, name, redactor);
  const json = await toJsonTextAsync(settled.value, maxResultBytes, { signal });
  if (json.ok) return { ok: true, value: json.text };
  return failed('TOOL_ERROR', redactor.message(`The tool ${quoted(name)} returned a result that is not usable JSON data: ${json.reason}.`));
}

type Settled = { ok: true; value: unknown } | { ok: false; reason: unknown };
/** The handler's outcome, with a synchronous throw, a rejection and a bad thenable all as `{ ok: false }`. */
async function callHandler(handler: ToolHandler, name: string, args: JsonObject, context: ToolCallContext): Promise<Settled> {
  try {
    // Awaiting adopts a thenable's state, reading its `then` as the language does; a throwing `then` is a rejection.
    return { ok: true, value: await handler(name, args, context) };
  } catch (reason) {
    return { ok: false, reason };
  }
}

function failed(code: ErrorCode, message: string): ToolReply {
  return { ok: false, error: { code, message } };
}

/** A failed call as the script sees it: the code the handler gave (tool codes only) and a redacted, bounded message. */
async function failure(reason: unknown, name: string, redactor: Redactor): Promise<ToolReply> {
  const code = ownData(reason, 'code');
  const message = await messageOf(reason, name);
  // A rendering of data has each string inside cleaned first: a downstream's error body (with its traceback) sits
  // inside JSON strings, where the line filter of Redactor.message cannot see it.
  const text = typeof message === 'string' ? message : `The tool ${quoted(name)} failed: ${JSON.stringify(cleanStrings(message.data, redactor))}`;
  return failed(isToolErrorCode(code) ? code : 'TOOL_ERROR', redactor.message(text));
}

/** An own data property of an object that is not a Proxy; undefined otherwise. Getters are never called. */
function ownData(v: unknown, key: string): unknown {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null || types.isProxy(v)) return undefined;
  try {
    const d = getOwnPropertyDescriptor(v, key);
    return d && 'value' in d ? d.value : undefined;
  } catch {
    return undefined; // an exotic host object whose own reads fail
  }
}

/**
 * The message of what the handler threw: its text when there is some; plain data (a non-text `message`, or a thrown
 * `{ status: 500, body: '…' }`) as a copy read by json-data's rules; else a fallback that names the tool.
 */
async function messageOf(reason: unknown, name: string): Promise<string | { data: unknown }> {
  const fallback = (what: string): string => `The tool ${quoted(name)} failed (${what}). Check its arguments, or handle the failure with try/catch.`;
  if (typeof reason === 'string') return reason.trim() ? reason : fallback('it threw an empty string');
  if (typeof reason !== 'object' && typeof reason !== 'function') return fallback(`it threw ${typeof reason === 'symbol' ? 'a symbol' : String(reason)}`);
  if (reason === null) return fallback('it threw null');
  if (types.isProxy(reason)) return fallback('it threw a Proxy, which is not read');
  const message = ownData(reason, 'message');
  if (typeof message === 'string' && message.trim()) return message;
  const isError = types.isNativeError(reason);
  // A blank or missing message: an Error has nothing more to say; a thrown object's other fields may.
  const data = message !== undefined && message !== null && typeof message !== 'string' ? message : isError ? undefined : reason;
  if (data !== undefined) {
    const text = await toJsonTextAsync(data, MAX_RENDERED_MESSAGE); // sliced too: a thrown object can be as large as a result
    if (text.ok && text.text !== '{}') return { data: JSON.parse(text.text) as unknown }; // our own text: plain data
  }
  return fallback(isError ? 'its error has no readable message' : 'it threw a value that is not an error');
}

/** Plain data with every string cleaned as a message and every key redacted. */
function cleanStrings(v: unknown, redactor: Redactor): unknown {
  if (typeof v === 'string') return redactor.message(v);
  if (Array.isArray(v)) return v.map((x) => cleanStrings(x, redactor));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty, not `out[k] =`: a "__proto__" key stays an own data key.
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, redactor.text(k), { value: cleanStrings(x, redactor), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

// What serving a tool call takes on both hosts, Node's (tool-reply.ts) and the browser's (runtime/browser-reply.ts):
// the arguments read from the sandbox (size checked before any of it is parsed, then JSON), and a wait on the handler
// that ends when nobody waits for the call any more. Portable: no node:*.
import type { ErrorCode } from './errors.js';
import type { JsonObject } from './types.js';

/** The tool's name as quoted in a message: the script chose it, so it is bounded. */
export const quotedToolName = (name: string): string => JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);

export type ParsedArgs = { ok: true; args: JsonObject } | { ok: false; error: { code: ErrorCode; message: string } };

export function parseToolArgs(name: string, argsText: string, maxArgsBytes: number): ParsedArgs {
  if (argsText.length > maxArgsBytes) {
    return {
      ok: false,
      error: {
        code: 'INVALID_TOOL_ARGS',
        message: `The arguments of ${quotedToolName(name)} are larger than ${maxArgsBytes} bytes of JSON. Pass less data per call, or a reference the tool can read instead.`,
      },
    };
  }
  try {
    return { ok: true, args: JSON.parse(argsText) as JsonObject };
  } catch {
    return {
      ok: false,
      error: { code: 'INVALID_TOOL_ARGS', message: `The arguments of ${quotedToolName(name)} are not JSON data. Pass a plain object of JSON values.` },
    };
  }
}

/** What untilAborted resolves to once the call's signal is aborted. */
export const ABORTED = Symbol('aborted');

/**
 * The handler's outcome, or ABORTED as soon as `signal` is: a handler that never settles (or ignores its signal) must
 * not keep the reply pending after the script moved on. A rejection of `work` passes through.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

// A tool call's arguments as the host reads them from the sandbox, in Node (tool-reply.ts) and in a browser
// (runtime/browser-reply.ts): their size checked before any of it is parsed, then JSON. Portable: no node:*.
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

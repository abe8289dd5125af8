// Stage 6 for a finished run: the sandbox's outcome turned into the result the caller gets (DESIGN §5), with the
// result's size checked, the value and every message shown as the host shows them (redacted on a server, plain text
// in a page), and the logs capped. Pure, and portable: the Node enclave and the browser sandbox both end with it.
import { errorOf, type ExecutionError } from './errors.js';
import type { Limits } from './levels.js';
import { capLogs } from './log-cap.js';
import type { DoneMessage } from './runtime/messages.js';
import { utf8Length } from '../shared/text.js';
import type { ExecutionResult, JsonValue, LogEntry } from './types.js';

/** How the run ended in the sandbox, with what the host gathered meanwhile. */
export type Finished = DoneMessage & { logs: LogEntry[]; served: number };

/** How a host shows what a script produced: the Redactor on a server; plain, bounded text in a browser page. */
export interface Shown {
  value(value: JsonValue): JsonValue;
  message(text: string): string;
  toolName(name: string): string;
}

export function resultOf(done: Finished, limits: Limits, shown: Shown, durationMs: number): ExecutionResult {
  const stats = { durationMs, toolCalls: done.served, iterations: done.iterations };
  const logs = capLogs(done.logs, limits.maxLogBytes, limits.maxLogCalls);
  const score = done.score !== undefined ? { score: done.score } : {};
  if (done.ok) {
    const text = done.value ?? 'null';
    if (utf8Length(text) > limits.maxResultBytes) {
      const message = `The result is larger than ${limits.maxResultBytes} bytes. Return a summary (counts, the first items, the fields you need) instead of everything.`;
      return { success: false, error: errorOf('OUTPUT_LIMIT', message), logs, stats, ...score };
    }
    return { success: true, value: shown.value(JSON.parse(text) as JsonValue), logs, stats, ...score };
  }
  // The worker reports positions in the script's own lines and says them in the message.
  const error = done.error ?? errorOf('INTERNAL_ERROR', 'The script failed without an error.');
  return { success: false, error: shownError(error, shown), logs, stats, ...score };
}

/** An error as the caller sees it: its message, tool name and issues' messages shown as the host shows them. */
export function shownError(raw: ExecutionError, shown: Shown): ExecutionError {
  return {
    ...raw,
    message: shown.message(raw.message),
    ...(raw.tool !== undefined ? { tool: shown.toolName(raw.tool) } : {}),
    ...(raw.issues ? { issues: raw.issues.map((i) => ({ ...i, message: shown.message(i.message) })) } : {}),
  };
}

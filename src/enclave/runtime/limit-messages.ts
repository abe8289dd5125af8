// Messages for the limits the sandbox reports by code: composed here, on the host, so the prelude that
// QuickJS compiles for every execution stays small. Each ends with what to do instead.
import type { ErrorCode } from '../errors.js';
import type { SandboxLimits } from './messages.js';

export interface LimitDetail {
  what?: 'string' | 'array' | 'json' | 'json-nodes' | 'log' | 'result' | 'heap';
  n?: number;
  key?: string;
}

const MB = 2 ** 20;

export function limitMessage(code: ErrorCode, detail: LimitDetail | null, limits: SandboxLimits): string {
  const d = detail ?? {};
  switch (code) {
    case 'MAX_ITERATIONS':
      return `The script ran more than ${limits.maxIterations} loop iterations and callback calls (one budget for all loops together). Process fewer items, or filter before looping.`;
    case 'TIMEOUT':
      return `The script ran past its ${limits.timeoutMs} ms time limit. Do less work per script, or split it into several scripts.`;
    case 'MAX_TOOL_CALLS':
      return `The script made more than ${limits.maxToolCalls} tool calls. Use tools that return many items at once, or process fewer items per script.`;
    case 'OUTPUT_LIMIT':
      return `The result is larger than ${limits.maxResultBytes} bytes. Return a summary (counts, the first items, the fields you need) instead of everything.`;
    case 'VALIDATION_ERROR':
      return `The computed property "${d.key ?? '?'}" is not allowed (it leads to constructors and prototypes). Access data properties only.`;
    case 'CANCELLED':
      return 'The script was stopped.';
    case 'MEMORY_LIMIT': {
      const budget = `${Math.round(limits.memoryBytes / MB)} MB`;
      if (d.what === 'heap') return `The script used up its ${budget} memory budget. Keep less data alive at once (process items and drop them), or return a summary.`;
      const what = d.what === 'array' ? `an array of ${d.n} elements`
        : d.what === 'json-nodes' ? 'a value with too many parts for JSON (shared references count each time they appear)'
        : d.what === 'json' ? `JSON text of about ${d.n} characters`
        : `a string of ${d.n} characters`;
      return `The script built ${what}, beyond its ${budget} memory budget. Work on smaller pieces of data, or return a summary.`;
    }
    default:
      return 'The script was stopped by a limit.';
  }
}

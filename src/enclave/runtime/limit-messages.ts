// Messages for the limits and policies the sandbox reports by code: composed here, on the host, so the prelude
// that QuickJS compiles for every execution stays small. Each ends with what to do instead.
import type { ErrorCode } from '../errors.js';
import type { Limits } from '../levels.js';
import { LEVEL_RULES } from '../policy.js';

export interface LimitDetail {
  what?: 'string' | 'array' | 'json' | 'json-nodes' | 'heap';
  n?: number;
  /** A VALIDATION_ERROR found at run time: the validator's rule it breaks. */
  rule?: 'blocked-property' | 'no-new' | 'no-regex' | 'unsafe-regex';
  key?: string;
  reason?: string;
}

const MB = 2 ** 20;

/** What validation promised, refused again at run time (the script's text hid it from the validator). */
const VIOLATIONS: Record<NonNullable<LimitDetail['rule']>, (d: LimitDetail) => string> = {
  'blocked-property': (d) =>
    `The computed property "${String(d.key ?? '?').slice(0, 100)}" is not allowed (it leads to constructors and prototypes). Access data properties only.`,
  'no-new': () => '`new` is allowed only for Error, Date, Map, Set and Array (whatever name refers to them). Use a plain object or a function call instead.',
  'no-regex': () => `Regular expressions are not available at this security level. ${LEVEL_RULES.regex.instead}.`,
  'unsafe-regex': (d) => `This regular expression risks catastrophic backtracking: ${d.reason ?? 'unsafe pattern'}. Simplify it, or split the text first.`,
};

/** The validator rule a run-time VALIDATION_ERROR breaks, for the result's issues. */
export function ruleOf(code: string, detail: LimitDetail | null): string | undefined {
  return code === 'VALIDATION_ERROR' ? (detail?.rule ?? 'blocked-property') : undefined;
}

export function limitMessage(code: ErrorCode, detail: LimitDetail | null, limits: Limits): string {
  const d = detail ?? {};
  switch (code) {
    case 'MAX_ITERATIONS':
      return `The script ran more than ${limits.maxIterations} loop iterations and callback calls (one budget for all loops together, built-in callbacks included). Process fewer items, or filter before looping.`;
    case 'TIMEOUT':
      return `The script ran past its ${limits.timeoutMs} ms time limit. Do less work per script, or split it into several scripts.`;
    case 'MAX_TOOL_CALLS':
      return `The script made more than ${limits.maxToolCalls} tool calls. Use tools that return many items at once, or process fewer items per script.`;
    case 'OUTPUT_LIMIT':
      return `The result is larger than ${limits.maxResultBytes} bytes. Return a summary (counts, the first items, the fields you need) instead of everything.`;
    case 'VALIDATION_ERROR':
      return VIOLATIONS[d.rule ?? 'blocked-property'](d);
    case 'CANCELLED':
      return 'The script was stopped.';
    case 'MEMORY_LIMIT': {
      const budget = `${Math.round(limits.memoryBytes / MB)} MB`;
      if (d.what === 'heap')
        return `The script used up its ${budget} memory budget. Keep less data alive at once (process items and drop them), or return a summary.`;
      const what =
        d.what === 'array'
          ? `an array of ${d.n} elements`
          : d.what === 'json-nodes'
            ? 'a value with too many parts for JSON (shared references count each time they appear)'
            : d.what === 'json'
              ? `JSON text of about ${d.n} characters`
              : `a string of ${d.n} characters`;
      return `The script built ${what}, beyond its ${budget} memory budget. Work on smaller pieces of data, or return a summary.`;
    }
    default:
      return 'The script was stopped by a limit.';
  }
}

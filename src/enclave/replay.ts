// Replay: a ToolHandler that answers a script's tool calls from a recording (DESIGN §5 `recording`) instead of the
// real tools, so a person can change a script and run it again without touching the tools. Pure: no I/O, runs in
// Node (`run --replay`) and in the browser (the playground's Replay). A call the recording does not hold fails with
// NOT_RECORDED, naming it, rather than reaching any real tool.
import { isToolErrorCode, ToolCallError } from './errors.js';
import { MAX_JSON_DEPTH } from './runtime/sandbox-config.js';
import type { JsonObject, JsonValue, ToolHandler } from './types.js';

/** One tool call of an execution, as its result carries it when asked for (`record: true`). */
export interface RecordedCall {
  tool: string;
  args: JsonObject;
  /** What the call returned, as the script saw it (redacted like every output). */
  result?: JsonValue;
  /** How the call failed, when it did. */
  error?: { code: string; message: string };
  /** The result did not fit the recording's room and was left out: replaying this call fails. */
  omitted?: true;
  /** The run ended while this call was in flight (the script did not wait for it): replaying this call fails. */
  unfinished?: true;
}

export interface Recording {
  calls: RecordedCall[];
  /** The recording ran out of room: the calls after the last one listed were not recorded. */
  truncated?: true;
}

/** Args compared by value: the same keys and values in any order are the same call. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The deepest a recorded value may nest: what a live tool result may (the sandbox refuses deeper ones). */
const MAX_RECORDED_DEPTH = MAX_JSON_DEPTH;

/** Problems with a recording's shape, in words a person can act on; empty when it can be replayed. */
export function recordingProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || !Array.isArray((value as { calls?: unknown }).calls)) {
    return ['A recording is an object with a "calls" array (the `recording` of a result run with record: true).'];
  }
  const problems: string[] = [];
  (value as { calls: unknown[] }).calls.forEach((call, i) => {
    const c = call as Partial<Record<keyof RecordedCall, unknown>> | null;
    if (c === null || typeof c !== 'object') return void problems.push(`calls[${i}] is not an object.`);
    if (typeof c.tool !== 'string') problems.push(`calls[${i}].tool is not a string.`);
    if (c.args === null || typeof c.args !== 'object' || Array.isArray(c.args)) problems.push(`calls[${i}].args is not an object.`);
    const error = c.error as { code?: unknown; message?: unknown } | undefined;
    if (error !== undefined && (error === null || typeof error.code !== 'string' || typeof error.message !== 'string'))
      problems.push(`calls[${i}].error is not { code, message } with two strings.`);
    for (const flag of ['omitted', 'unfinished'] as const) if (c[flag] !== undefined && c[flag] !== true) problems.push(`calls[${i}].${flag} is not true.`);
    if (depthOver(c.args, MAX_RECORDED_DEPTH) || depthOver(c.result, MAX_RECORDED_DEPTH))
      problems.push(`calls[${i}] nests deeper than ${MAX_RECORDED_DEPTH} levels, as no tool result may.`);
  });
  return problems.slice(0, 20);
}

/** Whether `value` nests deeper than `max`, found without recursion (a forged file may nest a million deep). */
function depthOver(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const x of Object.values(v)) stack.push([x, depth + 1]);
  }
  return false;
}

const PREVIEW = 300;
const preview = (args: unknown): string => {
  const text = canonicalJson(args);
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
};

/**
 * Answers each call with the next unused recorded call of the same tool and arguments, in recorded order; a call
 * made more often than recorded gets the last matching answer again (a changed script may read the same data twice).
 */
export function replayHandler(recording: Recording): ToolHandler {
  const problems = recordingProblems(recording);
  if (problems.length > 0) throw new TypeError(`This recording cannot be replayed: ${problems.slice(0, 3).join(' ')}`);
  const byKey = new Map<string, RecordedCall[]>();
  const used = new Map<string, number>();
  const toolNames = new Set<string>();
  for (const call of recording.calls) {
    const key = `${call.tool}\u0000${canonicalJson(call.args)}`;
    byKey.set(key, [...(byKey.get(key) ?? []), call]);
    toolNames.add(call.tool);
  }
  return async (name, args) => {
    const key = `${name}\u0000${canonicalJson(args)}`;
    const matches = byKey.get(key);
    if (!matches) throw miss(name, args, recording, toolNames);
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const call = matches[Math.min(n, matches.length - 1)] as RecordedCall;
    if (call.unfinished) {
      throw new ToolCallError(
        'NOT_RECORDED',
        `${name} was still running when the recorded run ended, so the recording has no answer for it. Record again with a script that waits for it.`,
      );
    }
    if (call.omitted) {
      throw new ToolCallError(
        'NOT_RECORDED',
        `${name} was recorded without its result (it was too large for the recording). Record again with a smaller result, or replay a script that does not need it.`,
      );
    }
    // The recorded failure again, with its code when it is one a tool call can have (the script may catch it).
    if (call.error) throw new ToolCallError(isToolErrorCode(call.error.code) ? call.error.code : 'TOOL_ERROR', call.error.message);
    return call.result ?? null;
  };
}

function miss(name: string, args: JsonObject, recording: Recording, toolNames: ReadonlySet<string>): ToolCallError {
  if (toolNames.has(name)) {
    const recorded = recording.calls.filter((c) => c.tool === name).map((c) => preview(c.args));
    const shown = [...new Set(recorded)].slice(0, 3).join(', ');
    return new ToolCallError(
      'NOT_RECORDED',
      `${name} was called with ${preview(args)}, but the recording holds it only with ${shown}. Call it with recorded arguments, or record the script again.`,
    );
  }
  const held = [...toolNames].slice(0, 10).join(', ') || 'no calls';
  const cut = recording.truncated ? ` The recording was cut after ${recording.calls.length} calls (it ran out of room): the later calls are not in it.` : '';
  return new ToolCallError(
    'NOT_RECORDED',
    `${name} is not in the recording (it holds ${held}).${cut} Replay only calls the recording has, or record the script again with the new call.`,
  );
}

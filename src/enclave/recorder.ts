// What an execution's tool calls looked like, for the result's `recording` (record: true) and for the events that
// stream while it runs. Everything here leaves the host, so it is redacted like every output, and bounded.
import type { Redactor } from '../shared/index.js';
import { type Limits, MB } from './levels.js';
import type { RecordedCall, Recording } from './replay.js';
import type { ToolReply } from './tool-reply.js';
import type { JsonObject, JsonValue } from './types.js';

/** Longest JSON of a call's arguments in an event: the timeline shows them, the recording keeps them whole. */
export const MAX_EVENT_ARGS_CHARS = 2_000;

/** A recording has room for this many results' worth of calls, and never more than MAX_RECORDING_BYTES (README). */
const RECORDING_RESULTS = 4;
const MAX_RECORDING_BYTES = 16 * MB;

/** The recording's room: the results of a run's calls, beside its value, in one answer. */
export function recordingRoom(limits: Pick<Limits, 'maxResultBytes'>): number {
  return Math.min(RECORDING_RESULTS * limits.maxResultBytes, MAX_RECORDING_BYTES);
}

/**
 * The script's arguments as they may be shown: redacted, and cut to a string when long. Arguments over the size a
 * call may have are not parsed here (the call itself is refused for it): their start is shown, redacted as text.
 */
export function shownArgs(args: JsonObject | undefined, argsText: string, redactor?: Pick<Redactor, 'text'>): JsonValue {
  if (args === undefined) {
    const start = argsText.slice(0, MAX_EVENT_ARGS_CHARS * 2); // redacted whole before the cut: no part of a secret is left
    return `${(redactor ? redactor.text(start) : start).slice(0, MAX_EVENT_ARGS_CHARS)}…`;
  }
  const text = JSON.stringify(args);
  return text.length > MAX_EVENT_ARGS_CHARS ? `${text.slice(0, MAX_EVENT_ARGS_CHARS)}…` : args;
}

/** The arguments, redacted, once per call for the events and the recording; undefined when too large or not JSON. */
export function redactedArgs(argsText: string, maxArgsBytes: number, redactor: Redactor): JsonObject | undefined {
  if (argsText.length > maxArgsBytes) return undefined;
  try {
    return redactor.value(JSON.parse(argsText) as JsonValue) as JsonObject;
  } catch {
    return undefined; // not JSON: the call itself fails with INVALID_TOOL_ARGS, which the recording keeps
  }
}

export class Recorder {
  private readonly calls: RecordedCall[] = [];
  private room: number;
  /** Set once a call's arguments did not fit: that call and every later one are left out (`truncated`). */
  private full = false;
  /** Set when the run's result was taken: a call still in flight then stays unfinished in it. */
  private closed = false;

  constructor(
    maxBytes: number,
    private readonly redactor: Redactor,
  ) {
    this.room = maxBytes;
  }

  /**
   * A call started: its place in the recording is its start order, whatever order the calls end in. Undefined once
   * the recording is full: a replay must not match a call whose arguments it does not hold.
   */
  start(tool: string, argsText: string, args: JsonObject | undefined): RecordedCall | undefined {
    if (this.closed || this.full || argsText.length > this.room) {
      this.full ||= !this.closed;
      return undefined;
    }
    const call: RecordedCall = { tool, args: args ?? {} };
    this.room -= argsText.length;
    this.calls.push(call);
    return call;
  }

  /** The call ended: its result while the recording has room, else marked as left out. */
  end(call: RecordedCall, reply: ToolReply): void {
    if (this.closed) return;
    if (!reply.ok) {
      call.error = { code: reply.error.code, message: this.redactor.message(reply.error.message) };
      return;
    }
    if (reply.value.length > this.room) {
      call.omitted = true;
      return;
    }
    this.room -= reply.value.length;
    call.result = this.redactor.value(JSON.parse(reply.value) as JsonValue);
  }

  /**
   * The recording as the run's result carries it, taken once: a call the script did not wait for (it returned, or the
   * run ended) is marked `unfinished`, and nothing changes it afterwards.
   */
  recording(): Recording {
    this.closed = true;
    const calls = this.calls.map((call) => (call.result !== undefined || call.error || call.omitted ? { ...call } : { ...call, unfinished: true as const }));
    return this.full ? { calls, truncated: true } : { calls };
  }
}

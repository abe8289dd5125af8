// One execution inside a worker: a prepared sandbox activated with the run's limits, the script, and the
// job pump that drives its promises while tool calls are answered. Ends exactly once, freeing everything.
import type { QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { capMessage, isToolErrorCode, type ErrorCode, type ExecutionError, type Issue } from '../errors.js';
import type { Limits } from '../levels.js';
import { regexRisk } from '../regex-safety.js';
import type { Transformed } from '../transform.js';
import type { CallPolicy } from './call-policy.js';
import { jsonDepth } from './json-depth.js';
import { limitMessage, ruleOf, type LimitDetail } from './limit-messages.js';
import type { DoneError, DoneMessage, ToMain } from './messages.js';
import type { HostBridge, PreparedSandbox } from './prepared.js';
import { MAX_JSON_DEPTH, sandboxConfig } from './sandbox-config.js';
import { SCRIPT_FILE } from './sandbox-source.js';
import { utf8Length } from '../../shared/text.js';

/** QuickJS's messages when an allocation failed. */
const OUT_OF_MEMORY = /^(?:out of memory|string too long|invalid array length)$/;
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();
/** A tool name is the script's own string: shown in errors and streamed, so bounded (MCP names are ≤ 128). */
export const MAX_TOOL_NAME_LENGTH = 256;

type Outcome = Omit<DoneMessage, 'type' | 'id' | 'score'>;
interface Fatal extends DoneError {
  /** Line and column in the transformed code, until mapped back at the end. */
  at?: { line: number; column?: number };
}

/** Line and column of the first frame in the script file, from a QuickJS stack string. */
export function scriptPosition(stack: string): { line: number; column?: number } | undefined {
  const m = new RegExp(`${SCRIPT_FILE.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(stack);
  return m ? { line: Number(m[1]), ...(m[2] ? { column: Number(m[2]) } : {}) } : undefined;
}

/** What one execution needs besides its sandbox: the compiled script and the call policy. */
export interface RunPlan {
  id: number;
  transformed: Transformed;
  limits: Limits;
  globals: string;
  policy: CallPolicy;
}

export class SandboxExecution implements HostBridge {
  private deadline: number;
  /** Set while the host has stopped the clock (pause): since when, and how long the script ran meanwhile. */
  private pausedAt: number | undefined;
  private busyWhilePaused = 0;
  /** Set while the engine runs the script (guarded), to count that time as the script's own even during a pause. */
  private runningSince: number | undefined;
  private readonly pendingTools = new Map<number, QuickJSDeferredPromise>();
  private nextCallId = 1;
  private fatalError: Fatal | undefined;
  private outcome: (Outcome & { at?: { line: number; column?: number } }) | undefined;
  private counts = { iterations: 0, toolCalls: 0 };
  private callsMade = 0;
  private logBytes = 0;
  private logClosed = false;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** The engine itself ran out of memory (not a guard refusing ahead of time): see finish(). */
  private outOfMemory = false;

  constructor(
    private readonly plan: RunPlan,
    private readonly sandbox: PreparedSandbox,
    /** Shared with the host when it can be (always in Node; in a browser only on a cross-origin-isolated page). */
    private readonly stop: Int32Array,
    private readonly post: (message: ToMain) => void,
    private readonly onFinished: (message: DoneMessage) => void,
    /** Gets the sandbox back once it is reset for the next execution, or nothing when it was disposed instead. */
    private readonly onSandboxFree: (reusable: PreparedSandbox | undefined) => void = () => {},
  ) {
    this.deadline = Date.now() + plan.limits.timeoutMs;
  }

  private get limits(): Limits {
    return this.plan.limits;
  }

  start(): void {
    this.armTimer(this.limits.timeoutMs);
    this.guarded(() => {
      const config = sandboxConfig(this.limits, this.deadline, this.plan.globals, MAX_TOOL_NAME_LENGTH);
      this.sandbox.activate(this, JSON.stringify(config));
      const result = this.sandbox.context.evalCode(this.plan.transformed.code, SCRIPT_FILE, { type: 'global', strict: true });
      if (result.error) this.failFrom(result.error, true);
      else result.value.dispose();
      this.pump();
    });
  }

  toolResult(callId: number, ok: boolean, value: string | undefined, error: { code: ErrorCode; message: string } | undefined): void {
    const deferred = this.pendingTools.get(callId);
    if (!deferred || this.finished) return;
    this.pendingTools.delete(callId);
    this.guarded(() => {
      let text = ok ? (value ?? 'null') : JSON.stringify(error ?? { code: 'TOOL_ERROR', message: 'The tool failed.' });
      if (ok && jsonDepth(text) > MAX_JSON_DEPTH) {
        ok = false;
        text = JSON.stringify({ code: 'TOOL_ERROR', message: `The tool result nests deeper than ${MAX_JSON_DEPTH} levels and was refused.` });
      }
      const handle = this.sandbox.context.newString(text);
      if (ok) deferred.resolve(handle);
      else deferred.reject(handle);
      handle.dispose();
      deferred.dispose();
      this.pump();
    });
  }

  /** Ends a script that is still waiting at its deadline (running code is stopped by the interrupt handler). */
  private armTimer(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.setFatal(
        'TIMEOUT',
        `The script ran past its ${this.limits.timeoutMs} ms time limit while waiting. Make fewer or slower-to-answer tool calls per script, or split the work.`,
      );
      this.finish();
    }, ms);
  }

  /**
   * The host waits for a person. Only the time the script is idle counts as paused: what it runs meanwhile (woken by
   * another call's result) is its own time, counted as it runs, so a pause buys no CPU time. A waiting script is not
   * ended while the clock is stopped.
   */
  pause(): void {
    if (this.finished || this.pausedAt !== undefined) return;
    this.pausedAt = Date.now();
    this.busyWhilePaused = 0;
    clearTimeout(this.timer);
  }

  /** The clock runs again: the deadline moves later by the idle part of the pause. */
  resume(): void {
    if (this.finished || this.pausedAt === undefined) return;
    this.deadline = this.currentDeadline();
    this.pausedAt = undefined;
    this.armTimer(Math.max(0, this.deadline - Date.now()));
  }

  /** The deadline now: later than the last one by the idle time of a pause in progress (busy time counted live). */
  currentDeadline(): number {
    if (this.pausedAt === undefined) return this.deadline;
    const now = Date.now();
    const busy = this.busyWhilePaused + (this.runningSince === undefined ? 0 : now - Math.max(this.runningSince, this.pausedAt));
    return this.deadline + Math.max(0, now - this.pausedAt - busy);
  }

  cancel(code: ErrorCode, message: string): void {
    if (this.finished) return;
    this.setFatal(code, message);
    this.finish();
  }

  // HostBridge: called from inside QuickJS through the prelude's host functions.
  interrupted(): boolean {
    if (this.fatalError) return true;
    if (Atomics.load(this.stop, 0) !== 0) {
      this.setFatal('CANCELLED', 'The script was cancelled by the caller.');
      return true;
    }
    if (Date.now() <= this.currentDeadline()) return false;
    this.setFatal('TIMEOUT', limitMessage('TIMEOUT', null, this.limits));
    return true;
  }
  fatal(code: string, detail: string, stack: string, iterations: number, toolCalls: number): void {
    this.counts = { iterations, toolCalls };
    const parsed = JSON.parse(detail) as LimitDetail | null;
    // A MEMORY_LIMIT without its detail: the prelude could not even serialize one, so the engine is out of memory.
    if (code === 'MEMORY_LIMIT' && (parsed === null || parsed.what === 'heap')) this.outOfMemory = true;
    if (this.fatalError && this.fatalError.at === undefined) {
      // The host refused first (a tool call, a pattern): the prelude's report only adds where it happened.
      const at = scriptPosition(stack);
      if (at) this.fatalError.at = at;
      return;
    }
    this.setFatal(code as ErrorCode, limitMessage(code as ErrorCode, parsed, this.limits), stack, ruleOf(code, parsed));
  }
  tool(name: string, args: string): QuickJSHandle | string {
    // The prelude checked these; a second line outside the engine, where a script cannot reach.
    if (++this.callsMade > this.limits.maxToolCalls) {
      this.setFatal('MAX_TOOL_CALLS', limitMessage('MAX_TOOL_CALLS', null, this.limits));
      return 'MAX_TOOL_CALLS';
    }
    if (name.length > MAX_TOOL_NAME_LENGTH) {
      this.setFatal(
        'UNKNOWN_TOOL',
        `A tool name has at most ${MAX_TOOL_NAME_LENGTH} characters. Call only the tools listed in the declarations, as 'server:tool'.`,
      );
      return 'UNKNOWN_TOOL';
    }
    const refusal = this.plan.policy.check(name);
    if (refusal) {
      this.setFatalError(refusal);
      return refusal.code;
    }
    const callId = this.nextCallId++;
    const deferred = this.sandbox.context.newPromise();
    this.pendingTools.set(callId, deferred);
    this.post({ type: 'tool-call', id: this.plan.id, callId, name, args });
    return deferred.handle;
  }
  log(level: string, message: string): void {
    // The prelude cut lines to the budget; counted again here in UTF-8 bytes, the unit of the level's cap.
    if (this.logClosed) return;
    let text = message;
    const room = this.limits.maxLogBytes - this.logBytes;
    let bytes = utf8Length(text);
    if (bytes > room) {
      // No Buffer: this runs in the browser's sandbox worker too. A character cut in half decodes to U+FFFD, dropped.
      text = UTF8_DECODER.decode(UTF8_ENCODER.encode(text).subarray(0, Math.max(0, room))).replace(/\uFFFD$/, '');
      bytes = utf8Length(text);
      this.logClosed = true;
    }
    this.logBytes += bytes;
    if (text !== '' || !this.logClosed) this.post({ type: 'log', id: this.plan.id, level: level as 'log', message: text });
    if (this.logClosed) this.post({ type: 'log', id: this.plan.id, level: 'warn', message: `[console output truncated at ${this.limits.maxLogBytes} bytes]` });
  }
  done(value: string, iterations: number, toolCalls: number): void {
    this.counts = { iterations, toolCalls };
    this.outcome ??= { ok: true, value, ...this.counts };
  }
  fail(info: string, iterations: number, toolCalls: number): void {
    this.counts = { iterations, toolCalls };
    const e = JSON.parse(info) as { name: string; message: string; stack: string; code?: unknown; tool?: unknown };
    // The prelude sets a code only on tool errors it made; a code outside the tool codes would be a bug, and
    // a code the message schema refuses would lose the whole result, so it is checked here once more.
    if (e.name === 'InternalError' && OUT_OF_MEMORY.test(e.message)) {
      // The prelude's catch guard turns these into MEMORY_LIMIT; a second line here, outside the engine.
      this.outOfMemory ||= e.message === 'out of memory';
      this.setFatal('MEMORY_LIMIT', limitMessage('MEMORY_LIMIT', { what: 'heap' }, this.limits), e.stack);
      return;
    }
    this.outcome ??= isToolErrorCode(e.code)
      ? this.failure(e.code, e.message, e.stack, typeof e.tool === 'string' ? e.tool : undefined)
      : this.failure('RUNTIME_ERROR', `${e.name}: ${e.message}`, e.stack);
  }
  regexRisk(source: string, flags: string): string {
    const risk = regexRisk(source, flags);
    if (risk === null) return '';
    const detail: LimitDetail = { rule: 'unsafe-regex', reason: risk };
    this.setFatal('VALIDATION_ERROR', limitMessage('VALIDATION_ERROR', detail, this.limits), '', ruleOf('VALIDATION_ERROR', detail));
    return risk;
  }

  private setFatal(code: ErrorCode, message: string, stack = '', rule?: string): void {
    if (this.fatalError) return;
    const at = scriptPosition(stack);
    this.fatalError = { code, message, ...(at ? { at } : {}), ...(rule ? { issues: [{ rule, message, line: 1, column: 1 }] } : {}) };
  }
  private setFatalError(error: ExecutionError): void {
    if (this.fatalError) return;
    this.fatalError = { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) };
  }

  /** Runs promise jobs until none are left; then the execution is done or waits for tool results. */
  private pump(): void {
    const runtime = this.sandbox.runtime;
    for (;;) {
      if (this.fatalError || this.outcome) return this.finish();
      if (!runtime.hasPendingJob()) break;
      const r = runtime.executePendingJobs();
      if (r.error) this.failFrom(r.error, false);
      else r.dispose();
    }
    if (this.pendingTools.size === 0) {
      // Nothing runs and nothing is awaited: the script waits on a promise that can never settle.
      this.outcome = this.failure(
        'RUNTIME_ERROR',
        'The script is waiting on a promise that can never settle (for example Promise.race([])). Await tool calls or values that resolve.',
      );
      this.finish();
    }
  }

  /** Host exceptions out of the engine (a trap, a host stack overflow) end the execution and the instance. */
  private guarded(step: () => void): void {
    const started = Date.now();
    this.runningSince = started;
    try {
      step();
    } catch (error) {
      const overflow = error instanceof RangeError;
      this.setFatal(
        overflow ? 'RUNTIME_ERROR' : 'INTERNAL_ERROR',
        overflow
          ? 'The script built data nested too deeply for the engine (for example arrays inside arrays thousands of levels deep). Keep nesting shallow.'
          : 'The sandbox engine failed while running the script. Run it again; if it fails again, simplify it.',
      );
      this.finish(false);
    } finally {
      this.runningSince = undefined;
      if (this.pausedAt !== undefined) this.busyWhilePaused += Date.now() - Math.max(started, this.pausedAt);
    }
  }

  private failFrom(handle: QuickJSHandle, compiling: boolean): void {
    const dumped = this.sandbox.context.dump(handle) as { name?: string; message?: string; stack?: string } | undefined;
    handle.dispose();
    const message = String(dumped?.message ?? dumped ?? 'Unknown error');
    if (dumped?.name === 'InternalError' && OUT_OF_MEMORY.test(message)) {
      if (message === 'out of memory') this.outOfMemory = true;
      this.setFatal(
        'MEMORY_LIMIT',
        `The script ran out of its ${Math.round(this.limits.memoryBytes / 2 ** 20)} MB memory budget (${message}). Work on smaller pieces of data.`,
        dumped.stack,
      );
    } else if (dumped?.name === 'InternalError' && message === 'interrupted') {
      this.setFatal('TIMEOUT', limitMessage('TIMEOUT', null, this.limits));
    } else if (compiling && dumped?.name === 'SyntaxError' && message === 'RegExp are not supported') {
      // A regular expression at a level without the engine: the validator should have said so; say it here.
      const detail: LimitDetail = { rule: 'no-regex' };
      this.setFatal('VALIDATION_ERROR', limitMessage('VALIDATION_ERROR', detail, this.limits), dumped.stack ?? '', ruleOf('VALIDATION_ERROR', detail));
    } else {
      this.outcome ??= this.failure('RUNTIME_ERROR', `${dumped?.name ?? 'Error'}: ${message}`, dumped?.stack);
    }
  }

  private failure(code: ErrorCode, message: string, stack = '', tool?: string): Outcome & { at?: { line: number; column?: number } } {
    const named = tool ? { tool: capMessage(tool, MAX_TOOL_NAME_LENGTH) } : {};
    const at = scriptPosition(stack);
    return { ok: false, error: { code, message: capMessage(message), ...named }, ...(at ? { at } : {}), ...this.counts };
  }

  /** The outcome as the caller reads it: positions in the script's own lines and columns, said in the message. */
  private report(): Outcome {
    const fatal = this.fatalError;
    const raw = fatal
      ? { ok: false as const, error: fatal, at: fatal.at, ...this.counts }
      : (this.outcome ?? this.failure('INTERNAL_ERROR', 'The script ended without a result.'));
    if (raw.ok || !raw.error)
      return { ok: raw.ok, ...(raw.value !== undefined ? { value: raw.value } : {}), iterations: raw.iterations, toolCalls: raw.toolCalls };
    const { at: _at, ...plain } = raw.error as Fatal;
    const error: DoneError = { ...plain };
    const at = raw.at ?? (fatal ? fatal.at : undefined);
    if (at) {
      const pos = this.plan.transformed.mapPosition(at.line, at.column ?? 1);
      error.line = pos.line;
      error.column = pos.column;
      const advice = error.code === 'RUNTIME_ERROR' ? ' Fix the script at that position; wrap tool calls in try/catch to handle their failures.' : '';
      const said = advice && !error.message.endsWith('.') ? `${error.message}.` : error.message;
      error.message = `Line ${pos.line}, column ${pos.column}: ${said}${advice}`;
    }
    if (error.issues) error.issues = error.issues.map((i: Issue) => ({ ...i, line: error.line ?? i.line, column: error.column ?? i.column }));
    return { ok: false, error, iterations: raw.iterations, toolCalls: raw.toolCalls };
  }

  /** Reports the outcome once, frees the runtime on every path, and returns the instance to its pool. */
  private finish(healthy = true): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (this.pendingTools.size > 0) this.post({ type: 'tool-cancel', id: this.plan.id, callIds: [...this.pendingTools.keys()] });
    // Report first: resetting or freeing the sandbox is not on the caller's path. Whether it can be reset is known
    // now, and said: a worker that must prepare a new sandbox is not the one the host should give the next run to.
    const reset = healthy ? this.sandbox.resetter() : undefined;
    this.onFinished({ type: 'done', id: this.plan.id, ...this.report(), score: this.plan.policy.score, sandboxKept: reset !== undefined });
    // A healthy engine is put back as prepared (its memory rewritten whole, leaks and all); its handles this run
    // still holds (the promises of unanswered calls) point into memory that no longer holds them, so they are
    // dropped unfreed. After a trap the engine's stack pointer, which lives outside its memory, may be wrong: such
    // an instance is never reused.
    if (reset?.()) {
      this.pendingTools.clear();
      this.onSandboxFree(this.sandbox);
      return;
    }
    // After the engine ran out of memory, its error paths may have leaked objects, and freeing the runtime
    // then fails QuickJS's leak assertion (JS_FreeRuntime: list_empty(gc_obj_list)), which aborts the
    // instance. So such an instance is dropped whole, unfreed: its memory goes with it.
    let reusable = healthy && !this.outOfMemory;
    if (reusable) {
      try {
        for (const deferred of this.pendingTools.values()) deferred.dispose();
      } catch {
        reusable = false;
      }
    }
    this.pendingTools.clear();
    this.sandbox.retire(reusable);
    this.onSandboxFree(undefined);
  }
}

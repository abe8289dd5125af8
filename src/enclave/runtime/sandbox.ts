// One execution inside a worker: a prepared sandbox activated with the run's limits, the script, and the
// job pump that drives its promises while tool calls are answered. Ends exactly once, freeing everything.
import type { QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { capMessage, isToolErrorCode, MAX_SCRIPT_MESSAGE_LENGTH, type ErrorCode } from '../errors.js';
import { jsonDepth } from './json-depth.js';
import { limitMessage, type LimitDetail } from './limit-messages.js';
import type { DoneMessage, SandboxLimits, ToMain } from './messages.js';
import type { HostBridge, PreparedSandbox } from './prepared.js';
import { SCRIPT_FILE, type PreludeConfig } from './prelude.js';

const MAX_JSON_DEPTH = 100;
/** A tool name is the script's own string: shown in errors, so bounded. */
const MAX_TOOL_NAME_LENGTH = 200;

type Outcome = Omit<DoneMessage, 'type' | 'id'>;
type ErrorInfo = NonNullable<DoneMessage['error']>;

/** Line and column of the first frame in the script file, from a QuickJS stack string. */
export function scriptPosition(stack: string): { line?: number; column?: number } {
  const m = new RegExp(`${SCRIPT_FILE.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(stack);
  return m ? { line: Number(m[1]), ...(m[2] ? { column: Number(m[2]) } : {}) } : {};
}

export class SandboxExecution implements HostBridge {
  private readonly deadline: number;
  private readonly pendingTools = new Map<number, QuickJSDeferredPromise>();
  private nextCallId = 1;
  private fatalError: ErrorInfo | undefined;
  private outcome: Outcome | undefined;
  private counts = { iterations: 0, toolCalls: 0 };
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** The engine itself ran out of memory (not a guard refusing ahead of time): see finish(). */
  private outOfMemory = false;

  constructor(
    private readonly id: number,
    private readonly sandbox: PreparedSandbox,
    private readonly limits: SandboxLimits,
    private readonly stop: Int32Array<SharedArrayBuffer>,
    private readonly post: (message: ToMain) => void,
    private readonly onFinished: (message: DoneMessage) => void,
  ) {
    this.deadline = Date.now() + limits.timeoutMs;
  }

  start(code: string, globals: string): void {
    this.timer = setTimeout(() => {
      this.setFatal('TIMEOUT', `The script ran past its ${this.limits.timeoutMs} ms time limit while waiting. Make fewer or slower-to-answer tool calls per script, or split the work.`);
      this.finish();
    }, this.limits.timeoutMs);
    this.guarded(() => {
      this.sandbox.activate(this, JSON.stringify(this.config(globals)));
      const result = this.sandbox.context.evalCode(code, SCRIPT_FILE, { type: 'global', strict: true });
      if (result.error) this.failFrom(result.error);
      else result.value.dispose();
      this.pump();
    });
  }

  toolResult(callId: number, ok: boolean, value: string | undefined, error: { code: ErrorCode; message: string } | undefined): void {
    const deferred = this.pendingTools.get(callId);
    if (!deferred || this.finished) return;
    this.pendingTools.delete(callId);
    this.guarded(() => {
      let text = ok ? value ?? 'null' : JSON.stringify(error ?? { code: 'TOOL_ERROR', message: 'The tool failed.' });
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
    if (Date.now() <= this.deadline) return false;
    this.setFatal('TIMEOUT', limitMessage('TIMEOUT', null, this.limits));
    return true;
  }
  fatal(code: string, detail: string, stack: string, iterations: number, toolCalls: number): void {
    this.counts = { iterations, toolCalls };
    const parsed = JSON.parse(detail) as LimitDetail | null;
    if (code === 'MEMORY_LIMIT' && parsed?.what === 'heap') this.outOfMemory = true;
    this.setFatal(code as ErrorCode, limitMessage(code as ErrorCode, parsed, this.limits), stack);
  }
  tool(name: string, args: string): QuickJSHandle {
    const callId = this.nextCallId++;
    const deferred = this.sandbox.context.newPromise();
    this.pendingTools.set(callId, deferred);
    this.post({ type: 'tool-call', id: this.id, callId, name, args });
    return deferred.handle;
  }
  log(level: string, message: string): void {
    this.post({ type: 'log', id: this.id, level: level as 'log', message });
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
    this.outcome ??= isToolErrorCode(e.code)
      ? this.failure(e.code, e.message, e.stack, typeof e.tool === 'string' ? e.tool : undefined)
      : this.failure('RUNTIME_ERROR', `${e.name}: ${e.message}`, e.stack);
  }

  private config(globals: string): PreludeConfig {
    const l = this.limits;
    return {
      maxIterations: l.maxIterations, maxToolCalls: l.maxToolCalls, maxConcurrency: l.maxConcurrency,
      maxResultBytes: l.maxResultBytes, maxLogBytes: l.maxLogBytes, maxLogCalls: l.maxLogCalls,
      maxStringLength: Math.floor(l.memoryBytes / 2),
      maxArrayLength: Math.floor(l.memoryBytes / 16),
      maxJsonDepth: MAX_JSON_DEPTH,
      // Each JSON value costs at least two bytes of output; a shared-reference DAG counts every visit.
      maxJsonNodes: Math.min(1_000_000, Math.max(50_000, Math.floor(l.maxResultBytes / 8))),
      maxMessageLength: MAX_SCRIPT_MESSAGE_LENGTH,
      deadline: this.deadline,
      globals,
    };
  }

  private setFatal(code: ErrorCode, message: string, stack = ''): void {
    this.fatalError ??= { code, message, ...scriptPosition(stack) };
  }

  /** Runs promise jobs until none are left; then the execution is done or waits for tool results. */
  private pump(): void {
    const runtime = this.sandbox.runtime;
    for (;;) {
      if (this.fatalError || this.outcome) return this.finish();
      if (!runtime.hasPendingJob()) break;
      const r = runtime.executePendingJobs();
      if (r.error) this.failFrom(r.error);
      else r.dispose();
    }
    if (this.pendingTools.size === 0) {
      // Nothing runs and nothing is awaited: the script waits on a promise that can never settle.
      this.outcome = this.failure('RUNTIME_ERROR', 'The script is waiting on a promise that can never settle (for example Promise.race([])). Await tool calls or values that resolve.');
      this.finish();
    }
  }

  /** Host exceptions out of the engine (a trap, a host stack overflow) end the execution and the instance. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (error) {
      const overflow = error instanceof RangeError;
      this.setFatal(overflow ? 'RUNTIME_ERROR' : 'INTERNAL_ERROR', overflow
        ? 'The script built data nested too deeply for the engine (for example arrays inside arrays thousands of levels deep). Keep nesting shallow.'
        : 'The sandbox engine failed while running the script. Run it again; if it fails again, simplify it.');
      this.finish(false);
    }
  }

  private failFrom(handle: QuickJSHandle): void {
    const dumped = this.sandbox.context.dump(handle) as { name?: string; message?: string; stack?: string } | undefined;
    handle.dispose();
    const message = String(dumped?.message ?? dumped ?? 'Unknown error');
    if (dumped?.name === 'InternalError' && /out of memory|string too long|invalid array length/.test(message)) {
      if (message === 'out of memory') this.outOfMemory = true;
      this.setFatal('MEMORY_LIMIT', `The script ran out of its ${Math.round(this.limits.memoryBytes / 2 ** 20)} MB memory budget (${message}). Work on smaller pieces of data.`, dumped.stack);
    } else if (dumped?.name === 'InternalError' && message === 'interrupted') {
      this.setFatal('TIMEOUT', limitMessage('TIMEOUT', null, this.limits));
    } else {
      this.outcome ??= this.failure('RUNTIME_ERROR', `${dumped?.name ?? 'Error'}: ${message}`, dumped?.stack);
    }
  }

  private failure(code: ErrorCode, message: string, stack = '', tool?: string): Outcome {
    const named = tool ? { tool: capMessage(tool, MAX_TOOL_NAME_LENGTH) } : {};
    return { ok: false, error: { code, message: capMessage(message), ...named, ...scriptPosition(stack) }, ...this.counts };
  }

  /** Reports the outcome once, frees the runtime on every path, and returns the instance to its pool. */
  private finish(healthy = true): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    const outcome: Outcome = this.fatalError
      ? { ok: false, error: this.fatalError, ...this.counts }
      : this.outcome ?? this.failure('INTERNAL_ERROR', 'The script ended without a result.');
    if (this.pendingTools.size > 0) this.post({ type: 'tool-cancel', id: this.id, callIds: [...this.pendingTools.keys()] });
    // Report first: freeing the runtime is not on the caller's path.
    this.onFinished({ type: 'done', id: this.id, ...outcome });
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
      reusable = this.sandbox.dispose() && reusable;
    }
    this.pendingTools.clear();
    this.sandbox.lease.release(reusable);
  }
}

// One execution inside a worker: a fresh QuickJS runtime and context on a leased WebAssembly instance,
// the prelude, the script, and the job pump that drives its promises while tool calls are answered.
import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { ErrorCode } from '../errors.js';
import type { Lease } from './module-pool.js';
import type { DoneMessage, SandboxLimits, ToMain } from './messages.js';
import { PRELUDE_FILE, PRELUDE_SOURCE, SCRIPT_FILE, type PreludeConfig } from './prelude.js';

/** Below the 256 KB that overflowed the host stack first in measurements (DESIGN §2). */
const MAX_STACK_BYTES = 256 * 1024;
const MAX_JSON_DEPTH = 100;

type Outcome = Omit<DoneMessage, 'type' | 'id'>;
type ErrorInfo = NonNullable<DoneMessage['error']>;

/** Line and column of the first frame in the script file, from a QuickJS stack string. */
export function scriptPosition(stack: string): { line?: number; column?: number } {
  const m = new RegExp(`${SCRIPT_FILE.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(stack);
  return m ? { line: Number(m[1]), column: m[2] ? Number(m[2]) : undefined } : {};
}

/** Deepest bracket nesting of JSON text, outside strings. Linear, allocation-free. */
export function jsonDepth(text: string): number {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) { if (++depth > max) max = depth; }
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

export class SandboxExecution {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly deadline: number;
  private readonly pendingTools = new Map<number, QuickJSDeferredPromise>();
  private nextCallId = 1;
  private fatal: ErrorInfo | undefined;
  private outcome: Outcome | undefined;
  private counts = { iterations: 0, toolCalls: 0 };
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly id: number,
    private readonly lease: Lease,
    private readonly limits: SandboxLimits,
    private readonly post: (message: ToMain) => void,
    private readonly onFinished: (message: DoneMessage) => void,
  ) {
    this.deadline = Date.now() + limits.timeoutMs;
    this.runtime = lease.module.newRuntime();
    this.runtime.setMaxStackSize(MAX_STACK_BYTES);
    this.runtime.setMemoryLimit(limits.memoryBytes); // refuses single oversized allocations; the wasm cap does the sum
    this.runtime.setInterruptHandler(() => {
      if (this.fatal) return true;
      if (Date.now() > this.deadline) {
        this.setFatal('TIMEOUT', `The script ran past its ${this.limits.timeoutMs} ms time limit. Do less work per script, or split it into several scripts.`);
        return true;
      }
      return false;
    });
    this.context = this.runtime.newContext();
  }

  start(code: string, globals: string): void {
    this.timer = setTimeout(() => {
      this.setFatal('TIMEOUT', `The script ran past its ${this.limits.timeoutMs} ms time limit while waiting. Make fewer or faster tool calls, or split the work into several scripts.`);
      this.finish();
    }, this.limits.timeoutMs);
    this.guarded(() => {
      this.installPrelude(globals);
      const result = this.context.evalCode(code, SCRIPT_FILE, { type: 'global', strict: true });
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
      const text = ok ? value ?? 'null' : JSON.stringify(error ?? { code: 'TOOL_ERROR', message: 'The tool failed.' });
      if (ok && jsonDepth(text) > MAX_JSON_DEPTH) {
        this.settle(deferred, false, JSON.stringify({ code: 'TOOL_ERROR', message: `The tool result nests deeper than ${MAX_JSON_DEPTH} levels and was refused.` }));
      } else this.settle(deferred, ok, text);
      this.pump();
    });
  }

  cancel(code: ErrorCode, message: string): void {
    if (this.finished) return;
    this.setFatal(code, message);
    this.finish();
  }

  private settle(deferred: QuickJSDeferredPromise, ok: boolean, text: string): void {
    const handle = this.context.newString(text);
    if (ok) deferred.resolve(handle);
    else deferred.reject(handle);
    handle.dispose();
    deferred.dispose();
  }

  private setFatal(code: ErrorCode, message: string, stack = ''): void {
    this.fatal ??= { code, message, ...scriptPosition(stack) };
  }

  /** Runs promise jobs until none are left; then the execution is done or waits for tool results. */
  private pump(): void {
    for (;;) {
      if (this.fatal || this.outcome) return this.finish();
      if (!this.runtime.hasPendingJob()) break;
      const r = this.runtime.executePendingJobs();
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
    const dumped = this.context.dump(handle) as { name?: string; message?: string; stack?: string } | undefined;
    handle.dispose();
    const message = String(dumped?.message ?? dumped ?? 'Unknown error');
    if (dumped?.name === 'InternalError' && /out of memory|string too long|invalid array length/.test(message)) {
      this.setFatal('MEMORY_LIMIT', `The script ran out of its ${Math.round(this.limits.memoryBytes / 2 ** 20)} MB memory budget (${message}). Work on smaller pieces of data.`, dumped.stack);
    } else if (dumped?.name === 'InternalError' && message === 'interrupted') {
      this.setFatal('TIMEOUT', `The script ran past its ${this.limits.timeoutMs} ms time limit.`);
    } else {
      this.outcome ??= this.failure('RUNTIME_ERROR', `${dumped?.name ?? 'Error'}: ${message}`, dumped?.stack);
    }
  }

  private failure(code: ErrorCode, message: string, stack = '', tool?: string): Outcome {
    return { ok: false, error: { code, message, ...(tool ? { tool } : {}), ...scriptPosition(stack) }, ...this.counts };
  }

  private installPrelude(globals: string): void {
    const ctx = this.context;
    const config: PreludeConfig = {
      maxIterations: this.limits.maxIterations,
      maxToolCalls: this.limits.maxToolCalls,
      maxConcurrency: this.limits.maxConcurrency,
      maxResultBytes: this.limits.maxResultBytes,
      maxLogBytes: this.limits.maxLogBytes,
      maxLogCalls: this.limits.maxLogCalls,
      maxStringLength: Math.floor(this.limits.memoryBytes / 2),
      maxArrayLength: Math.floor(this.limits.memoryBytes / 16),
      maxJsonDepth: MAX_JSON_DEPTH,
      // Each JSON value costs at least two bytes of output; a shared-reference DAG counts every visit.
      maxJsonNodes: Math.min(1_000_000, Math.max(50_000, Math.floor(this.limits.maxResultBytes / 8))),
      deadline: this.deadline,
      globals,
    };
    const host = ctx.newObject();
    const fns: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | void> = {
      tool: (name, args) => this.callTool(ctx.getString(name!), ctx.getString(args!)),
      log: (level, message) => {
        this.post({ type: 'log', id: this.id, level: ctx.getString(level!) as 'log', message: ctx.getString(message!) });
      },
      fatal: (code, message, stack, iterations, toolCalls) => {
        this.counts = { iterations: ctx.getNumber(iterations!), toolCalls: ctx.getNumber(toolCalls!) };
        this.setFatal(ctx.getString(code!) as ErrorCode, ctx.getString(message!), ctx.getString(stack!));
      },
      done: (value, iterations, toolCalls) => {
        this.counts = { iterations: ctx.getNumber(iterations!), toolCalls: ctx.getNumber(toolCalls!) };
        this.outcome ??= { ok: true, value: ctx.getString(value!), ...this.counts };
      },
      fail: (info, iterations, toolCalls) => {
        this.counts = { iterations: ctx.getNumber(iterations!), toolCalls: ctx.getNumber(toolCalls!) };
        const e = JSON.parse(ctx.getString(info!)) as { name: string; message: string; stack: string; code?: ErrorCode; tool?: string };
        this.outcome ??= e.code
          ? this.failure(e.code, e.message, e.stack, e.tool)
          : this.failure('RUNTIME_ERROR', `${e.name}: ${e.message}`, e.stack);
      },
      depth: (text) => ctx.newNumber(jsonDepth(ctx.getString(text!))),
    };
    for (const [name, impl] of Object.entries(fns)) {
      const fn = ctx.newFunction(name, impl);
      ctx.setProp(host, name, fn);
      fn.dispose();
    }
    const factory = ctx.unwrapResult(ctx.evalCode(PRELUDE_SOURCE, PRELUDE_FILE, { type: 'global', strict: true }));
    const cfg = ctx.newString(JSON.stringify(config));
    const result = ctx.callFunction(factory, ctx.undefined, host, cfg);
    factory.dispose();
    cfg.dispose();
    host.dispose();
    ctx.unwrapResult(result).dispose();
  }

  private callTool(name: string, args: string): QuickJSHandle {
    const callId = this.nextCallId++;
    const deferred = this.context.newPromise();
    this.pendingTools.set(callId, deferred);
    this.post({ type: 'tool-call', id: this.id, callId, name, args });
    return deferred.handle;
  }

  /** Reports the outcome once, frees the runtime on every path, and returns the instance to its pool. */
  private finish(healthy = true): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    const outcome: Outcome = this.fatal ? { ok: false, error: this.fatal, ...this.counts } : this.outcome ?? this.failure('INTERNAL_ERROR', 'The script ended without a result.');
    if (this.pendingTools.size > 0) this.post({ type: 'tool-cancel', id: this.id, callIds: [...this.pendingTools.keys()] });
    let reusable = healthy;
    if (healthy) {
      try {
        for (const deferred of this.pendingTools.values()) deferred.dispose();
        this.context.dispose();
        this.runtime.dispose();
      } catch {
        reusable = false; // a leak assertion or a trap: this instance is not trusted again
      }
    }
    this.pendingTools.clear();
    this.lease.release(reusable);
    this.onFinished({ type: 'done', id: this.id, ...outcome });
  }
}

// A QuickJS runtime and context with the prelude installed, made ahead of need, bound to no execution.
// It serves one execution at a time. Between two, its instance's whole memory is put back as it was when the
// sandbox was prepared (memory-image.ts), so no state passes between scripts; where that cannot be done, the
// sandbox is disposed and a new one prepared.
import { DefaultIntrinsics, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten-core';
import type { Lease } from './module-pool.js';
import { jsonDepth } from './json-depth.js';
import { MemoryImage } from './memory-image.js';
import { PRELUDE_FILE, sandboxSource } from './sandbox-source.js';

/** Below the 256 KB that overflowed the host stack first in measurements (DESIGN §2). */
const MAX_STACK_BYTES = 256 * 1024;

/** What the prelude's host functions reach: the execution the sandbox is serving. */
export interface HostBridge {
  interrupted(): boolean;
  /** The run's deadline now (epoch ms): later than at the start by the time the clock was stopped (pause/resume). */
  currentDeadline(): number;
  fatal(code: string, detail: string, stack: string, iterations: number, toolCalls: number): void;
  /** A promise handle for the call's result, or a refusal code (the host has recorded the violation). */
  tool(name: string, args: string): QuickJSHandle | string;
  log(level: string, message: string): void;
  done(value: string, iterations: number, toolCalls: number): void;
  fail(info: string, iterations: number, toolCalls: number): void;
  /** '' when the pattern is safe to run, else the reason (and the host has recorded the violation). */
  regexRisk(source: string, flags: string): string;
}

/** What kind of context a run needs: its memory cap, and whether it has a regular-expression engine at all. */
export interface SandboxKind {
  memoryBytes: number;
  regex: boolean;
}

export const kindKey = (kind: SandboxKind): string => `${kind.memoryBytes}:${kind.regex ? 'regex' : 'plain'}`;

export class PreparedSandbox {
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  private readonly configure: QuickJSHandle;
  private target: HostBridge | undefined;
  /** The memory as prepared, and the SDK's own bookkeeping then: what reset() puts back and checks. */
  private readonly image: MemoryImage | undefined;
  private readonly bookkeeping: string | undefined;

  constructor(
    readonly lease: Lease,
    readonly kind: SandboxKind,
    /** The engine's own stack limit: below what overflows the host's stack first (a browser's is smaller than Node's). */
    maxStackBytes = MAX_STACK_BYTES,
  ) {
    this.runtime = lease.module.newRuntime();
    this.runtime.setMaxStackSize(maxStackBytes);
    this.runtime.setMemoryLimit(kind.memoryBytes); // refuses single oversized allocations; the wasm cap does the sum
    this.runtime.setInterruptHandler(() => this.target?.interrupted() ?? false);
    // STRICT allows no regular expressions: its context has no engine, so no pattern reaches one by any path.
    this.context = this.runtime.newContext({ intrinsics: { ...DefaultIntrinsics, RegExp: kind.regex } });
    this.configure = installPrelude(
      this.context,
      () => this.bound(),
      () => lease.memoryFull(),
    );
    // The SDK caches a few handles on first use (the global object, the constants): made now, they are in the image.
    for (const h of [this.context.undefined, this.context.null, this.context.true, this.context.false, this.context.global]) void h;
    this.bookkeeping = sdkBookkeeping(this.runtime, this.context);
    this.image =
      lease.breakAddress !== undefined && this.bookkeeping !== undefined ? MemoryImage.take(lease.memory, lease.breakAddress, lease.isZero) : undefined;
  }

  /** Bytes the sandbox keeps to be reset (its memory image); 0 when it cannot be reset. */
  get imageBytes(): number {
    return this.image?.byteLength ?? 0;
  }

  /**
   * Puts the sandbox back as prepared, for the next execution: the instance's memory byte for byte, once the SDK's
   * own records (handles it caches, host functions it maps) are seen unchanged, so that they match the memory put
   * back. False when that cannot be done (no image, the memory grew, the records changed): then dispose it.
   * The execution that used it must not touch any of its handles again: they point into memory now rewritten.
   */
  reset(): boolean {
    return this.resetter()?.() ?? false;
  }

  /**
   * reset(), split in two: its checks made now (known before the run's result is sent, for the host's choice of
   * worker), and the rewrite of memory, returned, to run once the result is on its way. Undefined when the checks fail.
   */
  resetter(): (() => boolean) | undefined {
    const image = this.image;
    if (!image?.fits(this.lease.memory) || sdkBookkeeping(this.runtime, this.context) !== this.bookkeeping) return undefined;
    return () => {
      if (!image.restore(this.lease.memory)) return false;
      this.target = undefined;
      return true;
    };
  }

  /** Binds the sandbox to one execution and applies its limits, deadline and globals. */
  activate(target: HostBridge, config: string): void {
    this.target = target;
    const cfg = this.context.newString(config);
    const result = this.context.callFunction(this.configure, this.context.undefined, cfg);
    cfg.dispose();
    this.context.unwrapResult(result).dispose();
  }

  private bound(): HostBridge {
    if (!this.target) throw new Error('sandbox used before activation');
    return this.target;
  }

  /**
   * Frees the runtime and gives its instance back, for another sandbox only when that is safe: the runtime was freed
   * (`healthy` and dispose succeeded) and this sandbox kept no memory image. A sandbox prepared on an instance that
   * hosted runs would take the bytes those runs freed into its own image, and put them back after each of its runs.
   */
  retire(healthy: boolean): void {
    const freed = healthy && this.dispose();
    this.lease.release(freed && this.image === undefined);
  }

  /** Frees the runtime; false when that failed (a leak assertion or a trap), so the instance is not reused. */
  dispose(): boolean {
    try {
      this.configure.dispose();
      this.context.dispose();
      this.runtime.dispose();
      return true;
    } catch {
      return false;
    }
  }
}

/** The SDK's internal records that a memory image does not hold, as one comparable string. */
interface SdkInternals {
  scope?: { _disposables?: { value?: Set<unknown> } };
  contextMap?: Map<unknown, unknown>;
  hostRefs?: { groups?: Map<unknown, Map<number, unknown>> };
  memory?: { scope?: { _disposables?: { value?: Set<unknown> } } };
}
const CACHED = ['_undefined', '_null', '_true', '_false', '_global', '_BigInt', '_Symbol', '_SymbolIterator', '_SymbolAsyncIterator'];
const cacheIds = new WeakMap<object, number>();
let nextCacheId = 1;

/**
 * What of the SDK's JavaScript-side state must match the memory: the handles a context caches (compared by identity),
 * the lifetimes its scopes hold, its contexts and host function ids. Undefined when these are not where this version
 * of the SDK keeps them (then sandboxes are not reset, only disposed).
 */
function sdkBookkeeping(runtime: QuickJSRuntime, context: QuickJSContext): string | undefined {
  const rt = runtime as unknown as SdkInternals;
  const ctx = context as unknown as SdkInternals & Record<string, unknown>;
  const rtScope = rt.scope?._disposables?.value;
  const ctxScope = ctx.memory?.scope?._disposables?.value;
  const groups = rt.hostRefs?.groups;
  if (!(rtScope instanceof Set) || !(ctxScope instanceof Set) || !(rt.contextMap instanceof Map) || !(groups instanceof Map)) return undefined;
  const ids: number[] = [];
  for (const group of groups.values()) ids.push(...group.keys());
  const cached = CACHED.map((key) => {
    const v = ctx[key];
    if (v === undefined) return 0;
    if (typeof v !== 'object' || v === null) return -1;
    let id = cacheIds.get(v);
    if (id === undefined) cacheIds.set(v, (id = nextCacheId++));
    return id;
  });
  return `${rtScope.size}/${ctxScope.size}/${rt.contextMap.size}/${ids.sort((a, b) => a - b).join(',')}/${cached.join(',')}`;
}

/** Evaluates one of the prelude's texts in the context, to the function it defines. */
function evaluate(ctx: QuickJSContext, source: string): QuickJSHandle {
  return ctx.unwrapResult(ctx.evalCode(source, PRELUDE_FILE, { type: 'global', strict: true }));
}

/**
 * Runs the prelude in a fresh context: its host functions call `bridge()` (the execution bound at the time).
 * Returns configure(cfgText). Exported for the tests of the sandbox-side files, which probe a context before it.
 */
export function installPrelude(ctx: QuickJSContext, bridge: () => HostBridge, memoryFull: () => boolean): QuickJSHandle {
  const source = sandboxSource();
  const num = (h: QuickJSHandle | undefined): number => ctx.getNumber(h!);
  const str = (h: QuickJSHandle | undefined): string => ctx.getString(h!);
  // biome-ignore lint/suspicious/noConfusingVoidType: the SDK's host function type: a handle, or nothing for undefined
  const fns: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | void> = {
    poll: () => (bridge().interrupted() ? ctx.true : ctx.false),
    deadline: () => ctx.newNumber(bridge().currentDeadline()),
    fatal: (code, detail, stack, it, tc) => bridge().fatal(str(code), str(detail), str(stack), num(it), num(tc)),
    tool: (name, args) => {
      const r = bridge().tool(str(name), str(args));
      return typeof r === 'string' ? ctx.newString(r) : r;
    },
    log: (level, message) => bridge().log(str(level), str(message)),
    done: (value, it, tc) => bridge().done(str(value), num(it), num(tc)),
    fail: (info, it, tc) => bridge().fail(str(info), num(it), num(tc)),
    depth: (text) => ctx.newNumber(jsonDepth(str(text))),
    regexRisk: (pattern, flags) => ctx.newString(bridge().regexRisk(str(pattern), str(flags))),
    memoryFull: () => (memoryFull() ? ctx.true : ctx.false),
    ext: () => evaluate(ctx, source.ext),
  };
  const host = ctx.newObject();
  for (const [name, impl] of Object.entries(fns)) {
    const fn = ctx.newFunction(name, impl);
    ctx.setProp(host, name, fn);
    fn.dispose();
  }
  const steps = ctx.newObject();
  for (const [name, text] of source.steps) {
    const fn = evaluate(ctx, text);
    ctx.setProp(steps, name, fn);
    fn.dispose();
  }
  const prelude = evaluate(ctx, source.prelude);
  const constants = ctx.newString(source.constants);
  const result = ctx.callFunction(prelude, ctx.undefined, host, steps, constants);
  for (const h of [prelude, constants, steps, host]) h.dispose();
  return ctx.unwrapResult(result);
}

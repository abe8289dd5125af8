// A QuickJS runtime and context with the prelude installed, made ahead of need, bound to no execution.
// Each one serves exactly one execution and is then disposed: no state passes between scripts.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import type { Lease } from './module-pool.js';
import { EXT_SOURCE, PRELUDE_FILE, PRELUDE_SOURCE } from './prelude.js';
import { jsonDepth } from './json-depth.js';

/** Below the 256 KB that overflowed the host stack first in measurements (DESIGN §2). */
const MAX_STACK_BYTES = 256 * 1024;

/** What the prelude's host functions reach: the execution the sandbox is serving. */
export interface HostBridge {
  interrupted(): boolean;
  fatal(code: string, detail: string, stack: string, iterations: number, toolCalls: number): void;
  tool(name: string, args: string): QuickJSHandle;
  log(level: string, message: string): void;
  done(value: string, iterations: number, toolCalls: number): void;
  fail(info: string, iterations: number, toolCalls: number): void;
}

export class PreparedSandbox {
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  private readonly configure: QuickJSHandle;
  private target: HostBridge | undefined;

  constructor(readonly lease: Lease, memoryBytes: number) {
    this.runtime = lease.module.newRuntime();
    this.runtime.setMaxStackSize(MAX_STACK_BYTES);
    this.runtime.setMemoryLimit(memoryBytes); // refuses single oversized allocations; the wasm cap does the sum
    this.runtime.setInterruptHandler(() => this.target?.interrupted() ?? false);
    this.context = this.runtime.newContext();
    this.configure = this.installPrelude();
  }

  /** Binds the sandbox to one execution and applies its limits, deadline and globals. */
  activate(target: HostBridge, config: string): void {
    this.target = target;
    const cfg = this.context.newString(config);
    const result = this.context.callFunction(this.configure, this.context.undefined, cfg);
    cfg.dispose();
    this.context.unwrapResult(result).dispose();
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

  private installPrelude(): QuickJSHandle {
    const ctx = this.context;
    const bridge = (): HostBridge => {
      if (!this.target) throw new Error('sandbox used before activation');
      return this.target;
    };
    const host = ctx.newObject();
    const num = (h: QuickJSHandle | undefined): number => ctx.getNumber(h!);
    const str = (h: QuickJSHandle | undefined): string => ctx.getString(h!);
    const fns: Record<string, (...args: QuickJSHandle[]) => QuickJSHandle | void> = {
      poll: () => (bridge().interrupted() ? ctx.true : ctx.false),
      fatal: (code, detail, stack, it, tc) => bridge().fatal(str(code), str(detail), str(stack), num(it), num(tc)),
      tool: (name, args) => bridge().tool(str(name), str(args)),
      log: (level, message) => bridge().log(str(level), str(message)),
      done: (value, it, tc) => bridge().done(str(value), num(it), num(tc)),
      fail: (info, it, tc) => bridge().fail(str(info), num(it), num(tc)),
      depth: (text) => ctx.newNumber(jsonDepth(str(text))),
      ext: () => ctx.unwrapResult(ctx.evalCode(EXT_SOURCE, PRELUDE_FILE, { type: 'global', strict: true })),
    };
    for (const [name, impl] of Object.entries(fns)) {
      const fn = ctx.newFunction(name, impl);
      ctx.setProp(host, name, fn);
      fn.dispose();
    }
    const factory = ctx.unwrapResult(ctx.evalCode(PRELUDE_SOURCE, PRELUDE_FILE, { type: 'global', strict: true }));
    const result = ctx.callFunction(factory, ctx.undefined, host);
    factory.dispose();
    host.dispose();
    return ctx.unwrapResult(result);
  }
}

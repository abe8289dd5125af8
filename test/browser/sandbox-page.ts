// The tiny test page of the browser sandbox tests (bundled by sandbox-harness.ts with esbuild, run in Chromium): it
// drives runInBrowser from src/enclave/browser.ts as a page would, and exposes `window.sandbox` to the tests.
import {
  type ExecutionEvent,
  type ExecutionResult,
  type Limits,
  type Recording,
  disposeBrowserSandbox,
  replayHandler,
  runInBrowser,
  type SecurityLevel,
  warmBrowserSandbox,
} from '../../src/enclave/browser.js';
import type { ToolHandler } from '../../src/enclave/types.js';

/**
 * Which tools answer: a recording, a call that never settles, one that waits `ms` for a person (untimed), the attack
 * suite's fixed evil tools, or none.
 */
export type PageTools = { kind: 'replay'; recording: Recording } | { kind: 'never' } | { kind: 'approval'; ms: number } | { kind: 'attack' } | { kind: 'none' };

export interface PageRunOptions {
  level?: SecurityLevel;
  limits?: Partial<Limits>;
  tools?: PageTools;
  /** Abort the run when the first event of this type arrives. */
  abortOn?: ExecutionEvent['type'];
  /** Abort before calling runInBrowser. */
  preAborted?: boolean;
  /** Another worker URL (a query string makes a separate, cold worker). */
  workerUrl?: string;
}

export interface PageRunOutcome {
  result: ExecutionResult;
  events: ExecutionEvent[];
  /** performance.now() of the abort and of the result (the page's clock). */
  abortedAt?: number;
  endedAt: number;
  startedAt: number;
}

function handlerOf(tools: PageTools | undefined): ToolHandler | undefined {
  switch (tools?.kind) {
    case 'replay':
      return replayHandler(tools.recording);
    case 'never':
      return () => new Promise(() => undefined);
    case 'approval': {
      const { ms } = tools;
      return async (_name, _args, context) => {
        await context.untimed(new Promise((resolve) => setTimeout(resolve, ms)));
        return { approved: true };
      };
    }
    case 'attack':
      // The attack suite's fixed tool (test/security/attacks.test.ts): plain data; anything else fails.
      return async (name) => {
        if (name === 'evil:data') return { ok: true, items: [1, 2, 3] };
        throw new Error(`no tool ${name} in this page`);
      };
    default:
      return undefined;
  }
}

const pending = new Map<number, Promise<PageRunOutcome>>();
const settled = new Map<number, PageRunOutcome>();
let nextRun = 1;
/** Ticks of the page's own timer: they keep coming while a script runs if the page stays responsive. */
let ticks = 0;
setInterval(() => ticks++, 10);

async function run(code: string, options: PageRunOptions = {}): Promise<PageRunOutcome> {
  const events: ExecutionEvent[] = [];
  const controller = new AbortController();
  let abortedAt: number | undefined;
  if (options.preAborted) controller.abort();
  const startedAt = performance.now();
  const result = await runInBrowser(code, {
    ...(options.level ? { securityLevel: options.level } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
    toolHandler: handlerOf(options.tools),
    signal: controller.signal,
    onEvent: (event) => {
      events.push(event);
      if (abortedAt === undefined && event.type === options.abortOn) {
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  return { result, events, ...(abortedAt !== undefined ? { abortedAt } : {}), startedAt, endedAt: performance.now() };
}

const sandbox = {
  run,
  /** Starts a run without waiting for it (the test looks at the page meanwhile); returns its number. */
  start(code: string, options: PageRunOptions = {}): number {
    const id = nextRun++;
    const work = run(code, options);
    pending.set(id, work);
    void work.then((outcome) => settled.set(id, outcome));
    return id;
  },
  status(id: number): { done: boolean; ticks: number } {
    return { done: settled.has(id), ticks };
  },
  wait(id: number): Promise<PageRunOutcome> {
    const work = pending.get(id);
    if (!work) throw new Error(`no run ${id}`);
    return work;
  },
  /** Durations (ms, the page's clock) of `n` runs of `code` one after another. */
  async bench(code: string, n: number, options: PageRunOptions = {}): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const { result } = await run(code, options);
      if (!result.success) throw new Error(`bench run failed: ${result.error?.code} ${result.error?.message}`);
      times.push(performance.now() - t0);
    }
    return times;
  },
  warm: (workerUrl?: string) => warmBrowserSandbox(workerUrl),
  dispose: () => disposeBrowserSandbox(),
  crossOriginIsolated: () => globalThis.crossOriginIsolated === true,
};

declare global {
  interface Window {
    sandbox: typeof sandbox;
  }
}
window.sandbox = sandbox;
document.body.dataset.ready = 'true';

// The page's side of the browser sandbox: Web Workers that each run one execution at a time (browser-worker.ts),
// kept warm between runs. The page's thread never runs the script: it serves tool calls through the handler (with
// the Node host's checks, browser-reply.ts), streams the same events as the server, caps logs as sanitize.ts does,
// and watches the clock. A worker that does not end its run by the deadline plus a grace period, or that computes on
// after a cancel, is terminated: a browser has no other way to stop a thread that does not read its messages.
import { errorOf, type ErrorCode, type ExecutionError } from '../errors.js';
import type { Limits, SecurityLevel } from '../levels.js';
import { compile } from '../pipeline.js';
import { shownArgs } from '../recorder.js';
import { resultOf, type Shown } from '../result.js';
import type { ExecutionEvent, ExecutionResult, JsonObject, JsonValue, LogEntry, ToolHandler } from '../types.js';
import { capText, plainText, utf8Length } from '../../shared/text.js';
import { browserToolReply } from './browser-reply.js';
import { type DoneMessage, malformedDone, type ToBrowserWorker, type ToMain, ToMainSchema } from './messages.js';
import { MAX_TOOL_ARGS_BYTES } from './sandbox-config.js';
import { forcedTimeout, MAX_PAUSE_MS, PREPARE_MS, preparingTimeout, startedAfter, WATCHDOG_GRACE_MS, type WatchdogEnding } from './watchdog-times.js';
import { WorkerSlots, type WorkerSlot } from './browser-workers.js';

export interface BrowserRunRequest {
  code: string;
  level: SecurityLevel;
  limits: Limits;
  toolHandler?: ToolHandler;
  onEvent?: (event: ExecutionEvent) => void;
  signal?: AbortSignal;
  workerUrl: URL;
}

/** How long a cancelled run may take to stop by itself (a script waiting on tools stops at once). */
const CANCEL_GRACE_MS = 250;
const CANCELLED_MESSAGE = 'The script was cancelled by the caller.';
/** What a page shows of a script's output: its own data, with messages as plain, bounded text. */
const PLAIN: Shown = { value: (value) => value, message: (text) => capText(plainText(text)), toolName: (name) => name };

const slots = new WorkerSlots();
let nextId = 1;

/** Starts a worker for `url` now, so the page's first run does not wait for one. */
export function warmWorker(url: URL): void {
  slots.warm(url);
}

/** Ends every idle worker (a page that no longer runs scripts; tests that check nothing is left). */
export function disposeIdleWorkers(): number {
  return slots.disposeIdle();
}

/** Runs one script; resolves (never rejects) to the result of DESIGN §5. */
export async function runOnWorker(request: BrowserRunRequest): Promise<ExecutionResult> {
  const started = performance.now();
  if (request.signal?.aborted) return failed(started, errorOf('CANCELLED', 'The script was cancelled before it started.'));
  // Checking the script happens in the worker; only what is not text, or too large to send at all, is refused here.
  if (typeof request.code !== 'string' || utf8Length(request.code) > request.limits.maxCodeBytes) {
    const compiled = compile({ code: request.code, level: request.level, limits: request.limits });
    if (!compiled.ok) return failed(started, compiled.error);
  }
  const slot = await slots.acquire(request.workerUrl, request.signal);
  if (slot === 'busy')
    return failed(started, errorOf('SERVER_BUSY', 'Too many scripts are running in this page. Wait for one to finish and run the script again.'));
  if (slot === 'aborted') return failed(started, errorOf('CANCELLED', 'The script was cancelled before it started.'));
  if (slot === 'failed') {
    return failed(
      started,
      errorOf(
        'INTERNAL_ERROR',
        'The sandbox worker could not be started. Check that sandbox-worker.js and quickjs.wasm are served, then run the script again.',
      ),
    );
  }
  return new PageRun(slot, request, started).result;
}

function failed(started: number, error: ExecutionError): ExecutionResult {
  return { success: false, error, logs: [], stats: { durationMs: performance.now() - started, toolCalls: 0, iterations: 0 } };
}

/** The script's arguments as an event shows them (the Node host's shownArgs; nothing to redact in a page's replay). */
function eventArgs(argsText: string): JsonValue {
  let args: JsonObject | undefined;
  try {
    args = JSON.parse(argsText) as JsonObject;
  } catch {
    args = undefined; // not JSON: the call itself fails with INVALID_TOOL_ARGS
  }
  return shownArgs(args, argsText);
}

/** One execution on one worker, from the run message to its result; ends exactly once. */
class PageRun {
  readonly result: Promise<ExecutionResult>;
  private settle!: (result: ExecutionResult) => void;
  private readonly id = nextId++;
  private readonly logs: LogEntry[] = [];
  private readonly calls = new Map<number, AbortController>();
  /** This execution, for handlers that keep per-run state (ToolCallContext.run). */
  private readonly runToken = Object.freeze({});
  private readonly stop: Int32Array | undefined;
  private served = 0;
  private finished = false;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** When the watchdog's current period ends (performance.now()), from the moment the run is sent; and a pause's start. */
  private watchdogEnd: number | undefined;
  private pausedAt: number | undefined;
  private waiting = 0;
  private cancelTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly slot: WorkerSlot,
    private readonly request: BrowserRunRequest,
    private readonly started: number,
  ) {
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
    // A flag the worker reads at every interrupt poll exists only on a cross-origin isolated page.
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
    this.stop = isolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const { code, level, limits } = request;
    slot.attach({
      message: (raw) => this.onMessage(raw),
      lost: (why) => this.end(this.forced('INTERNAL_ERROR', `The sandbox worker stopped unexpectedly (${why}). Run the script again.`), false),
    });
    this.emit({ type: 'started', queuedMs: performance.now() - started });
    if (request.signal?.aborted) {
      // Aborted by a listener of 'started': the script is never sent, and the worker stays ready for the next one.
      this.end(this.forced('CANCELLED', CANCELLED_MESSAGE));
      return;
    }
    request.signal?.addEventListener('abort', this.onAbort, { once: true });
    // Its period is known from now: a pause must move it even when the worker never says 'started' (a quick start).
    this.watchdogEnd = performance.now() + limits.timeoutMs + WATCHDOG_GRACE_MS;
    this.watchdog = this.arm(limits.timeoutMs + WATCHDOG_GRACE_MS);
    const after = startedAfter(WATCHDOG_GRACE_MS); // as in Node's pool: a quick start is not reported
    this.send({
      type: 'run',
      id: this.id,
      code,
      level,
      limits,
      globals: '{}',
      globalNames: [],
      startedAfter: after,
      ...(this.stop ? { stop: this.stop } : {}),
    });
  }

  private send(message: ToBrowserWorker): void {
    this.slot.worker.postMessage(message);
  }

  /** A listener's exception must not end the run (the Node host logs it; a page has no log of ours). */
  private emit(event: ExecutionEvent): void {
    if (this.finished) return; // events stop with the result, as the Node host's do
    try {
      this.request.onEvent?.(event);
    } catch {
      // dropped, as the Node host drops it
    }
  }

  private onMessage(raw: unknown): void {
    if (this.finished) return;
    const parsed = ToMainSchema.safeParse(raw);
    if (!parsed.success) {
      // A result that fails the schema still ends the run (INTERNAL_ERROR); other malformed messages are dropped.
      const msg = raw as { type?: unknown; id?: unknown } | null;
      if (typeof msg === 'object' && msg !== null && msg.type === 'done' && msg.id === this.id) this.end(malformedDone(this.id), false);
      return;
    }
    const msg: ToMain = parsed.data;
    if (msg.type === 'ready' || msg.id !== this.id) return;
    switch (msg.type) {
      case 'preparing':
        // As in Node's pool: making the sandbox is the page's work, none of the script's deadline.
        clearTimeout(this.watchdog);
        this.watchdogEnd = performance.now() + PREPARE_MS;
        this.watchdog = this.arm(PREPARE_MS, preparingTimeout(PREPARE_MS));
        return;
      case 'started':
        // Checking the script took part of the first period, or the sandbox was being made: the run gets its whole
        // deadline from now.
        clearTimeout(this.watchdog);
        this.watchdogEnd = performance.now() + this.request.limits.timeoutMs + WATCHDOG_GRACE_MS;
        if (this.pausedAt === undefined) this.watchdog = this.arm(this.watchdogEnd - performance.now());
        return;
      case 'tool-call':
        void this.serve(msg.callId, msg.name, msg.args);
        return;
      case 'tool-cancel':
        for (const callId of msg.callIds) this.calls.get(callId)?.abort();
        return;
      case 'log': {
        const entry = { level: msg.level, message: msg.message };
        this.logs.push(entry);
        this.emit({ type: 'log', ...entry });
        return;
      }
      case 'done':
        this.end(msg);
        return;
    }
  }

  private async serve(callId: number, name: string, argsText: string): Promise<void> {
    const callNo = ++this.served;
    const controller = new AbortController();
    this.calls.set(callId, controller);
    const t0 = performance.now();
    const tool = capText(plainText(name), 200); // the script's text, shown back: plain and bounded as on the server
    this.emit({ type: 'tool-call-start', id: callNo, tool, args: eventArgs(argsText) });
    const reply = await browserToolReply({
      handler: this.request.toolHandler,
      name,
      argsText,
      signal: controller.signal,
      run: this.runToken,
      untimed: (work) => this.untimed(work),
      maxResultBytes: Math.floor(this.request.limits.memoryBytes / 2),
      maxArgsBytes: MAX_TOOL_ARGS_BYTES,
    });
    this.emit({
      type: 'tool-call-end',
      id: callNo,
      tool,
      ok: reply.ok,
      durationMs: performance.now() - t0,
      ...(reply.ok ? { resultBytes: utf8Length(reply.value) } : { code: reply.error.code, error: reply.error }),
    });
    this.calls.delete(callId);
    if (!controller.signal.aborted && !this.finished) this.send({ type: 'tool-result', id: this.id, callId, ...reply });
  }

  /** ToolCallContext.untimed: the script's clock and the watchdog stop while the script is idle (see pool.ts). */
  private untimed<T>(work: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.pause();
    return work.finally(() => {
      if (--this.waiting === 0) this.resume();
    });
  }

  private pause(): void {
    if (this.finished || this.pausedAt !== undefined || this.watchdogEnd === undefined) return;
    this.pausedAt = performance.now();
    clearTimeout(this.watchdog);
    this.watchdog = this.arm(Math.max(0, this.watchdogEnd - this.pausedAt) + MAX_PAUSE_MS);
    this.send({ type: 'pause', id: this.id });
  }

  private resume(): void {
    if (this.finished || this.pausedAt === undefined || this.watchdogEnd === undefined) return;
    this.watchdogEnd += performance.now() - this.pausedAt;
    this.pausedAt = undefined;
    clearTimeout(this.watchdog);
    this.watchdog = this.arm(Math.max(0, this.watchdogEnd - performance.now()));
    this.send({ type: 'resume', id: this.id });
  }

  private arm(ms: number, ending: WatchdogEnding = forcedTimeout(this.request.limits.timeoutMs)): ReturnType<typeof setTimeout> {
    return setTimeout(() => this.end(this.forced(ending.code, ending.message), false), ms);
  }

  /** The flag stops a computing script at its next interrupt poll, the message one waiting on tools; else, termination. */
  private readonly onAbort = (): void => {
    if (this.finished) return;
    if (this.stop) Atomics.store(this.stop, 0, 1);
    this.send({ type: 'cancel', id: this.id, code: 'CANCELLED', message: CANCELLED_MESSAGE });
    this.cancelTimer = setTimeout(() => this.end(this.forced('CANCELLED', CANCELLED_MESSAGE), false), CANCEL_GRACE_MS);
  };

  private forced(code: ErrorCode, message: string): DoneMessage {
    return { type: 'done', id: this.id, ok: false, error: { code, message }, iterations: 0, toolCalls: 0 };
  }

  /** Reports the outcome once; a worker that ended its run by itself goes back to be reused, any other is terminated. */
  private end(done: DoneMessage, healthy = true): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.watchdog);
    clearTimeout(this.cancelTimer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
    for (const controller of this.calls.values()) controller.abort();
    this.slot.detach();
    if (healthy) slots.release(this.slot);
    else slots.retire(this.slot);
    this.settle(this.outcome(done));
  }

  /** The result as Enclave.run gives it, shown as plain text instead of redacted: the page's own data. */
  private outcome(done: DoneMessage): ExecutionResult {
    return resultOf({ ...done, logs: this.logs, served: this.served }, this.request.limits, PLAIN, performance.now() - this.started);
  }
}

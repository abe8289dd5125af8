// One run on the host's side: the job handed to the worker pool, the tool calls it serves, its logs and events, and
// the outcome it settles with. Enclave.run makes one per script; nothing in it outlives the run.
import type { Limits, SecurityLevel } from './levels.js';
import type { Recorder } from './recorder.js';
import { redactedArgs, shownArgs } from './recorder.js';
import type { DoneMessage } from './runtime/messages.js';
import type { Finished } from './result.js';
import type { PoolJob, WorkerPool } from './runtime/pool.js';
import { MAX_TOOL_ARGS_BYTES } from './runtime/sandbox-config.js';
import { toolReply, type ToolReply } from './tool-reply.js';
import { log, type Redactor, utf8Length } from '../shared/index.js';
import type { ExecutionEvent, LogEntry, RunOptions, ToolHandler } from './types.js';

export interface HostExecutionSpec {
  id: number;
  code: string;
  level: SecurityLevel;
  limits: Limits;
  globalsJson: string;
  globalNames: ReadonlySet<string>;
  handler: ToolHandler | undefined;
  options: RunOptions;
  recorder: Recorder | undefined;
  redactor: Redactor;
}

const BUSY = 'Too many scripts are running or queued. Wait a moment and run the script again.';
const CANCELLED = 'The script was cancelled by the caller.';

/** A listener's exception must not take the host down with it. */
function emit(options: RunOptions, event: ExecutionEvent): void {
  if (!options.onEvent) return;
  try {
    options.onEvent(event);
  } catch (error) {
    log.warn('an onEvent listener threw; the event was dropped', error);
  }
}

export class HostExecution {
  private readonly logs: LogEntry[] = [];
  private served = 0;
  /** Untimed waits in progress (ToolCallContext.untimed): the clock runs again when the last one ends. */
  private waiting = 0;
  /**
   * A signal per call in flight (ToolCallContext.signal), aborted when the run ends: one per call rather than one per
   * run, so that a handler adding a listener per call (the SDK's client does, and never removes it) piles none up.
   */
  private readonly calls = new Map<number, AbortController>();
  /** This run, for handlers that keep per-run state (ToolCallContext.run). */
  private readonly run = Object.freeze({});
  private readonly submitted = performance.now();
  private settle!: (finished: Finished) => void;
  readonly finished = new Promise<Finished>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly pool: WorkerPool,
    private readonly spec: HostExecutionSpec,
  ) {}

  /** Hands the run to the pool; a full pool ends it at once with SERVER_BUSY. */
  start(): Promise<Finished> {
    const { id, options } = this.spec;
    if (!this.pool.submit(this.job())) {
      this.end({ type: 'done', id, ok: false, error: { code: 'SERVER_BUSY', message: BUSY }, iterations: 0, toolCalls: 0 });
      return this.finished;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    return this.finished;
  }

  private readonly onAbort = (): void => this.pool.cancel(this.spec.id, 'CANCELLED', CANCELLED);

  private job(): PoolJob {
    const { id, code, level, limits, globalsJson, globalNames, options, redactor } = this.spec;
    return {
      id,
      code,
      level,
      limits,
      globals: globalsJson,
      globalNames: [...globalNames],
      onToolCall: (callId, name, args) => this.toolCall(callId, name, args),
      onToolCancel: (callIds) => {
        for (const callId of callIds) this.calls.get(callId)?.abort();
      },
      onLog: (level, message) => {
        const entry = { level, message: redactor.log(message) };
        this.logs.push(entry);
        emit(options, { type: 'log', ...entry });
      },
      onDispatch: () => emit(options, { type: 'started', queuedMs: performance.now() - this.submitted }),
      onDone: (done) => this.end(done),
    };
  }

  private end(done: DoneMessage): void {
    this.spec.options.signal?.removeEventListener('abort', this.onAbort);
    for (const controller of this.calls.values()) controller.abort();
    this.settle({ ...done, logs: this.logs, served: this.served });
  }

  private toolCall(callId: number, name: string, args: string): void {
    const callNo = ++this.served;
    const controller = new AbortController();
    this.calls.set(callId, controller);
    void this.serve(name, args, controller.signal, callNo)
      .then((reply) => {
        this.calls.delete(callId);
        if (!controller.signal.aborted) this.pool.send(this.spec.id, { type: 'tool-result', id: this.spec.id, callId, ...reply });
      })
      .catch((error: unknown) => log.error('a tool result could not be delivered to its sandbox', error));
  }

  /** Pauses the run's clock while `work` is awaited: the pool's watchdog and the sandbox's deadline both stop. */
  private readonly untimed = <T>(work: Promise<T>): Promise<T> => {
    if (this.waiting++ === 0) this.pool.pause(this.spec.id);
    return work.finally(() => {
      if (--this.waiting === 0) this.pool.resume(this.spec.id);
    });
  };

  private async serve(name: string, argsText: string, signal: AbortSignal, callNo: number): Promise<ToolReply> {
    const { options, recorder, redactor, handler, limits } = this.spec;
    const t0 = performance.now();
    const shown = redactor.toolName(name); // events reach clients: the name is the script's text
    // Parsed and redacted once, for the recording and the events, only when one of them wants the arguments.
    const args = recorder || options.onEvent ? redactedArgs(argsText, MAX_TOOL_ARGS_BYTES, redactor) : undefined;
    const recorded = recorder?.start(shown, argsText, args);
    if (options.onEvent) emit(options, { type: 'tool-call-start', id: callNo, tool: shown, args: shownArgs(args, argsText, redactor) });
    // Never rejects, whatever the handler throws or returns (tool-reply.ts); a result up to half the sandbox's memory.
    const reply = await toolReply({
      handler,
      name,
      argsText,
      signal,
      run: this.run,
      untimed: this.untimed,
      maxResultBytes: Math.floor(limits.memoryBytes / 2),
      maxArgsBytes: MAX_TOOL_ARGS_BYTES,
      redactor,
    });
    if (options.onEvent) {
      emit(options, {
        type: 'tool-call-end',
        id: callNo,
        tool: shown,
        ok: reply.ok,
        durationMs: performance.now() - t0,
        // The message may quote the script's own text (a tool name it made up): redacted as the final error is.
        ...(reply.ok
          ? { resultBytes: utf8Length(reply.value) }
          : { code: reply.error.code, error: { code: reply.error.code, message: redactor.message(reply.error.message) } }),
      });
    }
    // A call stopped because nobody waits for it any more has no answer to record: it stays unfinished.
    if (recorded && !signal.aborted) recorder?.end(recorded, reply);
    return reply;
  }
}

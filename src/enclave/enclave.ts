// The Enclave: stages 1–5 in the worker pool (each execution has a worker to itself, so neither checking a large
// script nor running a hostile one holds up this thread or another execution), stage 6 on the way out.
// run() resolves to a result for every input; it never rejects.
import { EnclaveConfigError, errorOf, type ExecutionError } from './errors.js';
import { resolveLimits, SECURITY_LEVELS, type Limits, type SecurityLevel } from './levels.js';
import { parseEnclaveOptions } from './options.js';
import { compile, validationOf } from './pipeline.js';
import type { DoneMessage } from './runtime/messages.js';
import { WorkerPool, type PoolStats } from './runtime/pool.js';
import { MAX_TOOL_ARGS_BYTES } from './runtime/sandbox-config.js';
import { Recorder, recordingRoom, redactedArgs, shownArgs } from './recorder.js';
import { capLogs } from './sanitize.js';
import { toolReply, type ToolReply } from './tool-reply.js';
import { log, Redactor, secretsFromEnv, utf8Length } from '../shared/index.js';
import type {
  EnclaveOptions,
  ExecutionEvent,
  ExecutionResult,
  JsonValue,
  LogEntry,
  RunOptions,
  ToolCallContext,
  ToolHandler,
  ValidationResult,
} from './types.js';

const GRACE_MS = 500;

/** A listener's exception must not take the host down with it. */
function emit(options: RunOptions, event: ExecutionEvent): void {
  if (!options.onEvent) return;
  try {
    options.onEvent(event);
  } catch (error) {
    log.warn('an onEvent listener threw; the event was dropped', error);
  }
}

export class Enclave {
  readonly securityLevel: SecurityLevel;
  readonly limits: Limits;
  private readonly toolHandler: ToolHandler | undefined;
  private readonly globalNames: ReadonlySet<string>;
  private readonly globalsJson: string;
  private readonly redactor: Redactor;
  private readonly poolOptions: { size: number; maxWorkers: number; maxQueue: number };
  private pool: WorkerPool | undefined;
  private nextId = 1;
  private disposed = false;

  constructor(options: EnclaveOptions = {}) {
    // Every option is checked in options.ts: unknown keys, kinds, limits' bounds, globals; all problems in one message.
    const parsed = parseEnclaveOptions(options);
    if (!parsed.ok) throw new EnclaveConfigError(parsed.message);
    const o = parsed.settings;
    this.securityLevel = o.securityLevel;
    this.limits = o.limits;
    this.toolHandler = o.toolHandler;
    this.globalsJson = o.globalsJson;
    this.globalNames = o.globalNames;
    this.redactor = new Redactor([...o.secrets, ...secretsFromEnv()], o.redactPaths);
    this.poolOptions = { size: o.poolSize, maxWorkers: o.maxWorkers, maxQueue: o.maxQueue };
  }

  /** Stages 1–4 only: is this script acceptable at the enclave's level? */
  validate(code: string): ValidationResult {
    return validationOf(code, this.securityLevel, this.limits, this.globalNames);
  }

  async run(code: string, options: RunOptions = {}): Promise<ExecutionResult> {
    const started = performance.now();
    try {
      if (this.disposed) return this.failed(started, errorOf('INTERNAL_ERROR', 'This enclave was disposed. Create a new Enclave to run scripts.'));
      if (options.signal?.aborted) return this.failed(started, errorOf('CANCELLED', 'The script was cancelled before it started.'));
      // Checking and transforming the script (stages 1–4) happens in the worker, off this thread; only what costs
      // nothing is refused here: a script that is not text, or too large to send at all.
      const settings = this.settingsFor(options);
      if (typeof code !== 'string' || Buffer.byteLength(code, 'utf8') > settings.limits.maxCodeBytes) {
        const compiled = compile({ code, level: settings.level, limits: settings.limits, extraGlobals: this.globalNames });
        if (!compiled.ok) return this.failed(started, compiled.error);
      }
      const recorder = options.record ? new Recorder(recordingRoom(settings.limits), this.redactor) : undefined;
      // Events stop with the result: a call the script did not wait for may end later, and must not be reported then.
      let open = true;
      const listener = options.onEvent;
      const live: RunOptions = listener ? { ...options, onEvent: (event) => open && listener(event) } : options;
      const done = await this.execute(code, live, settings, recorder);
      open = false;
      const result = this.finish(started, done, settings.limits);
      return recorder ? { ...result, recording: recorder.recording() } : result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failed(started, errorOf('INTERNAL_ERROR', this.redactor.message(`The enclave failed unexpectedly: ${message}. Run the script again.`)));
    }
  }

  /**
   * This run's level and limits: the enclave's, narrowed by the run's options (a caller's principal). Never widened:
   * the stricter level and the smaller of each limit win, whatever the caller asked for.
   */
  settingsFor(options: Pick<RunOptions, 'securityLevel' | 'limits'>): { level: SecurityLevel; limits: Limits } {
    const asked = options.securityLevel;
    const level = asked !== undefined && SECURITY_LEVELS.indexOf(asked) < SECURITY_LEVELS.indexOf(this.securityLevel) ? asked : this.securityLevel;
    const limits = { ...this.limits };
    for (const [key, value] of Object.entries(options.limits ?? {}) as [keyof Limits, number | undefined][]) {
      if (key in limits && typeof value === 'number' && value < limits[key]) limits[key] = value;
    }
    return { level, limits };
  }

  /** The sandbox workers: how many, how many are starting, running an execution, or waiting for one. */
  get stats(): PoolStats {
    return this.pool?.stats ?? { workers: 0, starting: 0, running: 0, queued: 0 };
  }

  /** Starts the worker pool now rather than on the first run, so a server's first script does not wait for it. */
  warm(): void {
    if (!this.disposed) this.workers();
  }

  private workers(): WorkerPool {
    return (this.pool ??= new WorkerPool({ ...this.poolOptions, graceMs: GRACE_MS }));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.dispose();
  }

  private execute(
    code: string,
    options: RunOptions,
    settings: { level: SecurityLevel; limits: Limits },
    recorder: Recorder | undefined,
  ): Promise<DoneMessage & { logs: LogEntry[]; served: number }> {
    const pool = this.workers();
    const handler = options.toolHandler ?? this.toolHandler;
    const id = this.nextId++;
    const logs: LogEntry[] = [];
    const calls = new Map<number, AbortController>();
    const run = Object.freeze({}); // this execution, for handlers that keep per-run state (ToolCallContext.run)
    let served = 0;
    let waiting = 0; // untimed waits in progress: the clock runs again when the last one ends
    const untimed = <T>(work: Promise<T>): Promise<T> => {
      if (waiting++ === 0) pool.pause(id);
      return work.finally(() => {
        if (--waiting === 0) pool.resume(id);
      });
    };
    const submitted = performance.now();
    return new Promise((resolve) => {
      const onAbort = (): void => pool.cancel(id, 'CANCELLED', 'The script was cancelled by the caller.');
      const job = {
        id,
        code,
        level: settings.level,
        limits: settings.limits,
        globals: this.globalsJson,
        globalNames: [...this.globalNames],
        onToolCall: (callId: number, name: string, args: string) => {
          served++;
          const controller = new AbortController();
          calls.set(callId, controller);
          void this.serveTool(handler, name, args, { signal: controller.signal, run, untimed }, options, served, settings.limits, recorder)
            .then((reply) => {
              calls.delete(callId);
              if (!controller.signal.aborted) pool.send(id, { type: 'tool-result', id, callId, ...reply });
            })
            .catch((error: unknown) => log.error('a tool result could not be delivered to its sandbox', error));
        },
        onToolCancel: (callIds: number[]) => callIds.forEach((c) => calls.get(c)?.abort()),
        onLog: (level: LogEntry['level'], message: string) => {
          const entry = { level, message: this.redactor.log(message) };
          logs.push(entry);
          emit(options, { type: 'log', ...entry });
        },
        onDispatch: () => emit(options, { type: 'started', queuedMs: performance.now() - submitted }),
        onDone: (done: DoneMessage) => {
          options.signal?.removeEventListener('abort', onAbort);
          for (const controller of calls.values()) controller.abort();
          resolve({ ...done, logs, served });
        },
      };
      if (!pool.submit(job)) {
        resolve({
          type: 'done',
          id,
          ok: false,
          error: { code: 'SERVER_BUSY', message: 'Too many scripts are running or queued. Wait a moment and run the script again.' },
          iterations: 0,
          toolCalls: 0,
          logs,
          served,
        });
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async serveTool(
    handler: ToolHandler | undefined,
    name: string,
    argsText: string,
    { signal, run, untimed }: ToolCallContext,
    options: RunOptions,
    callNo: number,
    limits: Limits,
    recorder: Recorder | undefined,
  ): Promise<ToolReply> {
    const t0 = performance.now();
    const shown = this.redactor.toolName(name); // events reach clients: the name is the script's text
    // Parsed and redacted once, for the recording and the events, only when one of them wants the arguments.
    const args = recorder || options.onEvent ? redactedArgs(argsText, MAX_TOOL_ARGS_BYTES, this.redactor) : undefined;
    const recorded = recorder?.start(shown, argsText, args);
    if (options.onEvent) emit(options, { type: 'tool-call-start', id: callNo, tool: shown, args: shownArgs(args, argsText, this.redactor) });
    // Never rejects, whatever the handler throws or returns (tool-reply.ts); a result up to half the sandbox's memory.
    const reply = await toolReply({
      handler,
      name,
      argsText,
      signal,
      run,
      untimed,
      maxResultBytes: Math.floor(limits.memoryBytes / 2),
      maxArgsBytes: MAX_TOOL_ARGS_BYTES,
      redactor: this.redactor,
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
          : { code: reply.error.code, error: { code: reply.error.code, message: this.redactor.message(reply.error.message) } }),
      });
    }
    // A call stopped because nobody waits for it any more has no answer to record: it stays unfinished.
    if (recorded && !signal.aborted) recorder?.end(recorded, reply);
    return reply;
  }

  private finish(started: number, done: DoneMessage & { logs: LogEntry[]; served: number }, limits: Limits): ExecutionResult {
    const stats = { durationMs: performance.now() - started, toolCalls: done.served, iterations: done.iterations };
    const logs = capLogs(done.logs, limits.maxLogBytes, limits.maxLogCalls);
    const score = done.score !== undefined ? { score: done.score } : {};
    if (done.ok) {
      const text = done.value ?? 'null';
      if (Buffer.byteLength(text, 'utf8') > limits.maxResultBytes) {
        return {
          success: false,
          error: errorOf(
            'OUTPUT_LIMIT',
            `The result is larger than ${limits.maxResultBytes} bytes. Return a summary (counts, the first items, the fields you need) instead of everything.`,
          ),
          logs,
          stats,
          ...score,
        };
      }
      return { success: true, value: this.redactor.value(JSON.parse(text) as JsonValue), logs, stats, ...score };
    }
    // The worker reports positions in the script's own lines and says them in the message.
    const raw = done.error ?? { code: 'INTERNAL_ERROR' as const, message: 'The script failed without an error.' };
    const error: ExecutionError = {
      ...raw,
      message: this.redactor.message(raw.message),
      ...(raw.tool !== undefined ? { tool: this.redactor.toolName(raw.tool) } : {}),
    };
    if (error.issues) error.issues = error.issues.map((i) => ({ ...i, message: this.redactor.message(i.message) }));
    return { success: false, error, logs, stats, ...score };
  }

  private failed(started: number, error: ExecutionError, score?: number): ExecutionResult {
    return {
      success: false,
      error: { ...error, message: this.redactor.message(error.message) },
      logs: [],
      stats: { durationMs: performance.now() - started, toolCalls: 0, iterations: 0 },
      ...(score !== undefined ? { score } : {}),
    };
  }
}

/** Validation alone (stages 1–4), without starting any sandbox. */
export function validate(
  code: string,
  options: { securityLevel?: SecurityLevel; limits?: EnclaveOptions['limits']; globals?: string[] } = {},
): ValidationResult {
  const level = options.securityLevel ?? 'STRICT';
  return validationOf(code, level, resolveLimits(level, options.limits), new Set(options.globals ?? []));
}

// The Enclave: stages 1–4 in the main thread, stage 5 in the worker pool, stage 6 on the way out.
// run() resolves to a result for every input; it never rejects.
import { availableParallelism } from 'node:os';
import { errorOf, isToolErrorCode, ToolCallError, type ErrorCode, type ExecutionError } from './errors.js';
import { toJsonText } from './json-data.js';
import { resolveLimits, isSecurityLevel, type Limits, type SecurityLevel } from './levels.js';
import { compile } from './pipeline.js';
import { BLOCKED_GLOBALS, GLOBALS, RESERVED_PREFIX } from './policy.js';
import type { DoneMessage, SandboxLimits } from './runtime/messages.js';
import { WorkerPool } from './runtime/pool.js';
import { capLogs, PACKAGE_ROOT, Redactor, secretsFromEnv } from './sanitize.js';
import type { Transformed } from './transform.js';
import { log } from './log.js';
import type { EnclaveOptions, ExecutionEvent, ExecutionResult, JsonObject, JsonValue, LogEntry, RunOptions, ToolHandler, ValidationResult } from './types.js';

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
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A configuration mistake by the host program (not by a script): thrown from the constructor. */
export class EnclaveConfigError extends Error {
  override readonly name = 'EnclaveConfigError';
}

function checkGlobals(globals: Record<string, JsonValue>): string {
  for (const name of Object.keys(globals)) {
    if (!IDENTIFIER.test(name) || name.startsWith(RESERVED_PREFIX) || name in GLOBALS || name in BLOCKED_GLOBALS) {
      throw new EnclaveConfigError(`globals: "${name}" cannot be a script global (it must be an identifier that is not reserved or built in).`);
    }
  }
  const text = toJsonText(globals, 16 * 2 ** 20);
  if (!text.ok) throw new EnclaveConfigError(`globals must be JSON data: ${text.reason}.`);
  return text.text;
}

export class Enclave {
  readonly securityLevel: SecurityLevel;
  readonly limits: Limits;
  private readonly toolHandler: ToolHandler | undefined;
  private readonly globalNames: ReadonlySet<string>;
  private readonly globalsJson: string;
  private readonly redactor: Redactor;
  private readonly poolOptions: { size: number; maxPerWorker: number; maxQueue: number };
  private pool: WorkerPool | undefined;
  private nextId = 1;
  private disposed = false;

  constructor(options: EnclaveOptions = {}) {
    const level = options.securityLevel ?? 'STRICT';
    if (!isSecurityLevel(level)) throw new EnclaveConfigError(`securityLevel must be one of STRICT, SECURE, STANDARD, PERMISSIVE (got ${String(level)}).`);
    this.securityLevel = level;
    try {
      this.limits = resolveLimits(level, options.limits);
    } catch (error) {
      throw new EnclaveConfigError(`limits: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.toolHandler = options.toolHandler;
    this.globalsJson = checkGlobals(options.globals ?? {});
    this.globalNames = new Set(Object.keys(options.globals ?? {}));
    this.redactor = new Redactor([...(options.secrets ?? []), ...secretsFromEnv()], options.redactPaths ?? [PACKAGE_ROOT, process.execPath]);
    this.poolOptions = {
      size: options.poolSize ?? Math.min(4, Math.max(2, availableParallelism())),
      maxPerWorker: options.maxPerWorker ?? 8,
      maxQueue: options.maxQueue ?? 256,
    };
  }

  /** Stages 1–4 only: is this script acceptable at the enclave's level? */
  validate(code: string): ValidationResult {
    return validateAt(code, this.securityLevel, this.limits, this.globalNames);
  }

  async run(code: string, options: RunOptions = {}): Promise<ExecutionResult> {
    const started = performance.now();
    try {
      if (this.disposed) return this.failed(started, errorOf('INTERNAL_ERROR', 'This enclave was disposed. Create a new Enclave to run scripts.'));
      if (options.signal?.aborted) return this.failed(started, errorOf('CANCELLED', 'The script was cancelled before it started.'));
      const compiled = compile({ code, level: this.securityLevel, limits: this.limits, extraGlobals: this.globalNames });
      if (!compiled.ok) return this.failed(started, compiled.error, compiled.score?.score);
      const done = await this.execute(compiled.transformed, options);
      return this.finish(started, done, compiled.transformed, compiled.score.score);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failed(started, errorOf('INTERNAL_ERROR', this.redactor.message(`The enclave failed unexpectedly: ${message}. Run the script again.`)));
    }
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

  private sandboxLimits(): SandboxLimits {
    const l = this.limits;
    return {
      timeoutMs: l.timeoutMs, memoryBytes: l.memoryBytes, maxIterations: l.maxIterations, maxToolCalls: l.maxToolCalls,
      maxConcurrency: l.maxConcurrency, maxResultBytes: l.maxResultBytes, maxLogBytes: l.maxLogBytes, maxLogCalls: l.maxLogCalls,
    };
  }

  private execute(transformed: Transformed, options: RunOptions): Promise<DoneMessage & { logs: LogEntry[]; served: number }> {
    const pool = this.workers();
    const handler = options.toolHandler ?? this.toolHandler;
    const id = this.nextId++;
    const logs: LogEntry[] = [];
    const calls = new Map<number, AbortController>();
    let served = 0;
    return new Promise((resolve) => {
      const onAbort = (): void => pool.cancel(id, 'CANCELLED', 'The script was cancelled by the caller.');
      const job = {
        id,
        code: transformed.code,
        limits: this.sandboxLimits(),
        globals: this.globalsJson,
        onToolCall: (callId: number, name: string, args: string) => {
          served++;
          const controller = new AbortController();
          calls.set(callId, controller);
          void this.serveTool(handler, name, args, controller.signal, options, served).then((reply) => {
            calls.delete(callId);
            if (!controller.signal.aborted) pool.send(id, { type: 'tool-result', id, callId, ...reply });
          });
        },
        onToolCancel: (callIds: number[]) => callIds.forEach((c) => calls.get(c)?.abort()),
        onLog: (level: LogEntry['level'], message: string) => {
          const entry = { level, message: this.redactor.log(message) };
          logs.push(entry);
          emit(options, { type: 'log', ...entry });
        },
        onDone: (done: DoneMessage) => {
          options.signal?.removeEventListener('abort', onAbort);
          for (const controller of calls.values()) controller.abort();
          resolve({ ...done, logs, served });
        },
      };
      if (!pool.submit(job)) {
        resolve({ type: 'done', id, ok: false, error: { code: 'SERVER_BUSY', message: 'Too many scripts are running or queued. Wait a moment and run the script again.' }, iterations: 0, toolCalls: 0, logs, served });
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async serveTool(
    handler: ToolHandler | undefined, name: string, argsText: string, signal: AbortSignal, options: RunOptions, callNo: number,
  ): Promise<{ ok: true; value: string } | { ok: false; error: { code: ErrorCode; message: string } }> {
    const t0 = performance.now();
    emit(options, { type: 'tool-call-start', id: callNo, tool: name });
    let reply: { ok: true; value: string } | { ok: false; error: { code: ErrorCode; message: string } };
    try {
      if (!handler) throw new ToolCallError('UNKNOWN_TOOL', `Unknown tool "${name}": no tools are available in this sandbox.`);
      const result = await handler(name, JSON.parse(argsText) as JsonObject, { signal });
      const json = toJsonText(result, Math.floor(this.limits.memoryBytes / 2));
      reply = json.ok
        ? { ok: true, value: json.text }
        : { ok: false, error: { code: 'TOOL_ERROR', message: `The tool "${name}" returned a result that is not usable JSON data: ${json.reason}.` } };
    } catch (error) {
      const code = error instanceof ToolCallError ? error.code : isToolErrorCode((error as { code?: unknown } | null)?.code) ? (error as { code: ErrorCode }).code : 'TOOL_ERROR';
      const message = error instanceof Error ? error.message : `The tool "${name}" failed.`;
      reply = { ok: false, error: { code, message: this.redactor.message(message) } };
    }
    emit(options, { type: 'tool-call-end', id: callNo, tool: name, ok: reply.ok, durationMs: performance.now() - t0, ...(reply.ok ? {} : { code: reply.error.code }) });
    return reply;
  }

  private finish(started: number, done: DoneMessage & { logs: LogEntry[]; served: number }, transformed: Transformed, score: number): ExecutionResult {
    const stats = { durationMs: performance.now() - started, toolCalls: done.served, iterations: done.iterations };
    const logs = capLogs(done.logs, this.limits.maxLogBytes, this.limits.maxLogCalls);
    if (done.ok) {
      const text = done.value ?? 'null';
      if (Buffer.byteLength(text, 'utf8') > this.limits.maxResultBytes) {
        return { success: false, error: errorOf('OUTPUT_LIMIT', `The result is larger than ${this.limits.maxResultBytes} bytes. Return a summary (counts, the first items, the fields you need) instead of everything.`), logs, stats, score };
      }
      return { success: true, value: this.redactor.value(JSON.parse(text) as JsonValue), logs, stats, score };
    }
    const raw = done.error ?? { code: 'INTERNAL_ERROR' as const, message: 'The script failed without an error.' };
    const error: ExecutionError = { code: raw.code, message: raw.message };
    if (raw.tool) error.tool = raw.tool;
    if (raw.line !== undefined) {
      const pos = transformed.mapPosition(raw.line, raw.column ?? 1);
      error.line = pos.line;
      error.column = pos.column;
      error.message = `Line ${pos.line}, column ${pos.column}: ${raw.message}`;
    }
    if (raw.code === 'VALIDATION_ERROR') error.issues = [{ rule: 'blocked-property', message: raw.message, line: error.line ?? 1, column: error.column ?? 1 }];
    if (raw.code === 'RUNTIME_ERROR' && raw.line !== undefined) {
      error.message = `${error.message.replace(/\.?$/, '.')} Fix the script at that position; wrap tool calls in try/catch to handle their failures.`;
    }
    error.message = this.redactor.message(error.message);
    return { success: false, error, logs, stats, score };
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
export function validate(code: string, options: { securityLevel?: SecurityLevel; limits?: EnclaveOptions['limits']; globals?: string[] } = {}): ValidationResult {
  const level = options.securityLevel ?? 'STRICT';
  return validateAt(code, level, resolveLimits(level, options.limits), new Set(options.globals ?? []));
}

function validateAt(code: string, level: SecurityLevel, limits: Limits, globals: ReadonlySet<string>): ValidationResult {
  const compiled = compile({ code, level, limits, extraGlobals: globals });
  if (compiled.ok) return { valid: true, issues: [], score: compiled.score.score };
  return { valid: false, issues: compiled.error.issues ?? [], error: compiled.error, ...(compiled.score ? { score: compiled.score.score } : {}) };
}

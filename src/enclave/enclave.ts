// The Enclave: stages 1–5 in the worker pool (each execution has a worker to itself, so neither checking a large
// script nor running a hostile one holds up this thread or another execution), stage 6 on the way out.
// run() resolves to a result for every input; it never rejects.
import { EnclaveConfigError, errorOf, type ExecutionError } from './errors.js';
import { HostExecution } from './execution.js';
import { resolveLimits, SECURITY_LEVELS, type Limits, type SecurityLevel } from './levels.js';
import { parseEnclaveOptions } from './options.js';
import { compile, validationOf } from './pipeline.js';
import { WorkerPool, type PoolStats } from './runtime/pool.js';
import { Recorder, recordingRoom } from './recorder.js';
import { resultOf, shownError } from './result.js';
import { Redactor, secretsFromEnv } from '../shared/index.js';
import type { EnclaveOptions, ExecutionResult, RunOptions, ToolHandler, ValidationResult } from './types.js';
import { WATCHDOG_GRACE_MS } from './runtime/watchdog-times.js';

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
      const done = await new HostExecution(this.workers(), {
        id: this.nextId++,
        code,
        ...settings,
        globalsJson: this.globalsJson,
        globalNames: this.globalNames,
        handler: options.toolHandler ?? this.toolHandler,
        options: live,
        recorder,
        redactor: this.redactor,
      }).start();
      open = false;
      const result = resultOf(done, settings.limits, this.redactor, performance.now() - started);
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
    return (this.pool ??= new WorkerPool({ ...this.poolOptions, graceMs: WATCHDOG_GRACE_MS }));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.dispose();
  }

  /** `await using enclave = new Enclave(…)`: its workers are stopped when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  private failed(started: number, error: ExecutionError): ExecutionResult {
    return {
      success: false,
      error: shownError(error, this.redactor),
      logs: [],
      stats: { durationMs: performance.now() - started, toolCalls: 0, iterations: 0 },
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

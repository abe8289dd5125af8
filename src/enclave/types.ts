// The public shapes of the enclave (DESIGN §5). The result's are derived from its schema (result-schema.ts).
import type { z } from 'zod';
import type { ExecutionError, Issue } from './errors.js';
import type { Limits, LimitsOverride, SecurityLevel } from './levels.js';
import type { ExecutionResultSchema, ExecutionStatsSchema, LogEntrySchema } from './result-schema.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type LogEntry = z.infer<typeof LogEntrySchema>;
export type LogLevel = LogEntry['level'];
export type ExecutionStats = z.infer<typeof ExecutionStatsSchema>;
/**
 * What `run` resolves to. `recording` holds the run's tool calls and results when asked for (RunOptions.record);
 * replay it with replayHandler.
 */
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

export interface ToolCallContext {
  /** Aborted when the script is cancelled, times out or otherwise ends while the call is in flight. */
  signal: AbortSignal;
  /**
   * Stands for the execution making the call: the same object for every call of one run, another for each run. A
   * handler keys per-execution state on it (a WeakMap), such as how often a tool was called or what data it read.
   */
  run: object;
  /**
   * Waits for `work` with the script's clock stopped while the script is idle: that time is not counted against its
   * time limit (a person answering an approval). What the script runs meanwhile still counts, as it runs. Bound the
   * wait yourself (an approval has its own timeout); the watchdog waits at most ten minutes past the old deadline.
   */
  untimed<T>(work: Promise<T>): Promise<T>;
}

/** Serves the script's `callTool(name, args)`. Whatever it resolves to reaches the script as JSON data. */
export type ToolHandler = (name: string, args: JsonObject, context: ToolCallContext) => Promise<unknown>;

export type ExecutionEvent =
  /** A worker took the run; queuedMs is how long it waited for one (operators' queue-wait metric). */
  | { type: 'started'; queuedMs: number }
  /** args: redacted; a string holding the cut JSON when it is longer than MAX_EVENT_ARGS_CHARS. */
  | { type: 'tool-call-start'; id: number; tool: string; args: JsonValue }
  | {
      type: 'tool-call-end';
      id: number;
      tool: string;
      ok: boolean;
      durationMs: number;
      /** The error's code when it failed (also in `error`). */
      code?: string;
      /** Size of the result's JSON text, when it succeeded. */
      resultBytes?: number;
      error?: { code: string; message: string };
    }
  | { type: 'log'; level: LogLevel; message: string };

/**
 * Options of `new Enclave(…)`, checked at construction (src/enclave/options.ts): an unknown key, a wrong kind of value
 * or a limit out of bounds throws EnclaveConfigError naming it (with a "did you mean" for near misses).
 */
export interface EnclaveOptions {
  /** DESIGN §4; STRICT when absent. */
  securityLevel?: SecurityLevel;
  /** Overrides of the level's limits; each is an integer within its bounds (levels.ts). */
  limits?: LimitsOverride;
  toolHandler?: ToolHandler;
  /** Extra read-only JSON data exposed to scripts as globals (names must be identifiers, not reserved). */
  globals?: Record<string, JsonValue>;
  /** Strings never to appear in any output (values, logs, errors). */
  secrets?: string[];
  /** Host folders to redact from outputs; defaults to the package's own installation folder and the node binary. */
  redactPaths?: string[];
  /** Sandbox worker threads kept started and ready (default 2). */
  poolSize?: number;
  /**
   * Most worker threads at once (default 32, and never fewer than poolSize). Each runs one execution at a time; the
   * pool grows past poolSize, and past the core count, up to this while executions wait on tools.
   */
  maxWorkers?: number;
  /** Executions waiting for a worker before new ones get SERVER_BUSY (default 256). */
  maxQueue?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  toolHandler?: ToolHandler;
  onEvent?: (event: ExecutionEvent) => void;
  /** A stricter level for this run (a looser one is ignored: the enclave's level is the floor). */
  securityLevel?: SecurityLevel;
  /** Lower limits for this run (a higher value is ignored). */
  limits?: Partial<Limits>;
  /** Return the run's tool calls and results as `recording` (redacted like every output, bounded). */
  record?: boolean;
}

export interface ValidationResult {
  valid: boolean;
  issues: Issue[];
  score?: number;
  error?: ExecutionError;
}

export type { Issue, ExecutionError, Limits, SecurityLevel };

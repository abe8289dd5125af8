// The public shapes of the enclave (DESIGN §5).
import type { ExecutionError, Issue } from './errors.js';
import type { Limits, LimitsOverride, SecurityLevel } from './levels.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type LogLevel = 'log' | 'info' | 'warn' | 'error';
export interface LogEntry {
  level: LogLevel;
  message: string;
}

export interface ExecutionStats {
  durationMs: number;
  toolCalls: number;
  iterations: number;
}

export interface ExecutionResult {
  success: boolean;
  value?: JsonValue;
  error?: ExecutionError;
  logs: LogEntry[];
  stats: ExecutionStats;
  /** The static risk score of the script (stage 4); absent when it never got that far. */
  score?: number;
}

export interface ToolCallContext {
  /** Aborted when the script is cancelled, times out or otherwise ends while the call is in flight. */
  signal: AbortSignal;
}

/** Serves the script's `callTool(name, args)`. Whatever it resolves to reaches the script as JSON data. */
export type ToolHandler = (name: string, args: JsonObject, context: ToolCallContext) => Promise<unknown>;

export type ExecutionEvent =
  | { type: 'tool-call-start'; id: number; tool: string }
  | { type: 'tool-call-end'; id: number; tool: string; ok: boolean; durationMs: number; code?: string }
  | { type: 'log'; level: LogLevel; message: string };

export interface EnclaveOptions {
  securityLevel?: SecurityLevel;
  limits?: LimitsOverride;
  toolHandler?: ToolHandler;
  /** Extra read-only JSON data exposed to scripts as globals (names must be identifiers, not reserved). */
  globals?: Record<string, JsonValue>;
  /** Strings never to appear in any output (values, logs, errors). */
  secrets?: string[];
  /** Host folders to redact from outputs; defaults to the package's own installation folder. */
  redactPaths?: string[];
  /** Sandbox worker threads (default: 2, or the core count when larger, at most 4). */
  poolSize?: number;
  /** Executions interleaved in one worker while they wait on tools (default 8). */
  maxPerWorker?: number;
  /** Executions waiting for a free slot before new ones get SERVER_BUSY (default 256). */
  maxQueue?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  toolHandler?: ToolHandler;
  onEvent?: (event: ExecutionEvent) => void;
}

export interface ValidationResult {
  valid: boolean;
  issues: Issue[];
  score?: number;
  error?: ExecutionError;
}

export type { Issue, ExecutionError, Limits, SecurityLevel };

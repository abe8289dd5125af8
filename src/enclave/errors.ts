// Error codes of DESIGN §5. Errors are values at module boundaries; each message ends with what to do instead.
import { MAX_MESSAGE_LENGTH } from '../shared/text.js';

export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'SCORING_BLOCKED',
  'TIMEOUT',
  'MAX_ITERATIONS',
  'MAX_TOOL_CALLS',
  'MEMORY_LIMIT',
  'OUTPUT_LIMIT',
  'UNKNOWN_TOOL',
  'INVALID_TOOL_ARGS',
  'TOOL_ERROR',
  'POLICY_BLOCKED',
  'NOT_RECORDED',
  'RUNTIME_ERROR',
  'CANCELLED',
  'SERVER_BUSY',
  'QUOTA_EXCEEDED',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes a tool handler may use for a failed call; the script can catch these. */
export const TOOL_ERROR_CODES = ['TOOL_ERROR', 'UNKNOWN_TOOL', 'INVALID_TOOL_ARGS', 'POLICY_BLOCKED', 'NOT_RECORDED'] as const;
export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

export interface Issue {
  rule: string;
  message: string;
  line: number;
  column: number;
}

export interface ExecutionError {
  code: ErrorCode;
  message: string;
  issues?: Issue[];
  tool?: string;
  line?: number;
  column?: number;
}

/**
 * Longest text a script's own exception carries out of the sandbox (a script can throw a 1 MB string). The
 * host's redaction caps the final message again at the same bound; this one keeps the worker hop and the logs small.
 */
export const MAX_SCRIPT_MESSAGE_LENGTH = MAX_MESSAGE_LENGTH;

/** `s` cut to `max` characters, with an ellipsis saying it was cut. */
export function capMessage(s: string, max = MAX_SCRIPT_MESSAGE_LENGTH): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function isToolErrorCode(value: unknown): value is ToolErrorCode {
  return typeof value === 'string' && (TOOL_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Thrown by a tool handler to fail one call with a code the script can see and catch.
 * Any other exception from a handler becomes TOOL_ERROR with its message.
 */
export class ToolCallError extends Error {
  readonly code: ToolErrorCode;
  constructor(code: ToolErrorCode, message: string) {
    super(message);
    this.name = 'ToolCallError';
    this.code = code;
  }
}

/**
 * A configuration mistake by the host program (not by a script): thrown from the Enclave's constructor and from
 * `validate()`. It lives here, beside the other error types, so that options.ts and levels.ts can throw it without
 * importing enclave.ts (which imports them).
 */
export class EnclaveConfigError extends Error {
  override readonly name = 'EnclaveConfigError';
}

export function errorOf(code: ErrorCode, message: string, extra: Omit<ExecutionError, 'code' | 'message'> = {}): ExecutionError {
  return { code, message, ...extra };
}

// The enclave library: untrusted AgentScript in, a JSON result out. Knows nothing of MCP.
export { Enclave, EnclaveConfigError, validate } from './enclave.js';
export { ToolCallError, ERROR_CODES, type ErrorCode, type ExecutionError, type Issue } from './errors.js';
export { LEVEL_LIMITS, SECURITY_LEVELS, resolveLimits, isSecurityLevel, type Limits, type LimitsOverride, type SecurityLevel } from './levels.js';
export type {
  EnclaveOptions, ExecutionEvent, ExecutionResult, ExecutionStats, JsonObject, JsonValue, LogEntry, RunOptions,
  ToolCallContext, ToolHandler, ValidationResult,
} from './types.js';
// For the layers above that must keep the same promises (the tool bridge redacts downstream secrets).
export { MIN_SECRET_LENGTH as MIN_REDACTED_LENGTH, Redactor } from './sanitize.js';
export { log } from './log.js';

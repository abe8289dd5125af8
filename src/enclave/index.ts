// The enclave library: untrusted AgentScript in, a JSON result out. Knows nothing of MCP.
export { Enclave, validate } from './enclave.js';
export { EnclaveConfigError, ToolCallError, ERROR_CODES, type ErrorCode, type ExecutionError, type Issue } from './errors.js';
export { LEVEL_LIMITS, SECURITY_LEVELS, resolveLimits, isSecurityLevel, type Limits, type LimitsOverride, type SecurityLevel } from './levels.js';
// What each level allows that lower ones refuse: the validator's table, which the MCP description also reads.
export { LEVEL_RULES, levelAllows, type LevelFeature, type LevelRule, type LevelRules } from './policy.js';
export type {
  EnclaveOptions,
  ExecutionEvent,
  ExecutionResult,
  ExecutionStats,
  JsonObject,
  JsonValue,
  LogEntry,
  RunOptions,
  ToolCallContext,
  ToolHandler,
  ValidationResult,
} from './types.js';
// For the layers above that must keep the same promises (the tool bridge redacts downstream secrets).
export { MIN_SECRET_LENGTH as MIN_REDACTED_LENGTH, Redactor } from './sanitize.js';
export { configureLog, log, logEnabled, type LogFields, type LogFormat, type LoggerLevel } from './log.js';
export type { PoolStats } from './runtime/pool.js';

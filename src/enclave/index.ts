// The enclave library: untrusted AgentScript in, a JSON result out. Knows nothing of MCP.
export { Enclave, validate } from './enclave.js';
export { canonicalJson, recordingProblems, replayHandler, type RecordedCall, type Recording } from './replay.js';
export { EnclaveConfigError, ToolCallError, ERROR_CODES, type ErrorCode, type ExecutionError, type Issue } from './errors.js';
export { LEVEL_LIMITS, SECURITY_LEVELS, resolveLimits, isSecurityLevel, type Limits, type LimitsOverride, type SecurityLevel } from './levels.js';
// The manifest's `limits` key is checked by the same schema as the Enclave's own `limits` option.
export { LimitsOverrideSchema } from './levels.js';
// The MCP output schema of execute_agentscript is the result's own schema, from which ExecutionResult is derived.
export { ExecutionResultSchema } from './result-schema.js';
// The largest arguments of one tool call: the bridge's flow check sizes its decoding budget by them.
export { MAX_TOOL_ARGS_BYTES } from './runtime/sandbox-config.js';
// The tool bridge runs a downstream schema's `pattern` only if the validator's own backtracking check passes it.
export { regexRisk } from './regex-safety.js';
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
export type { PoolStats } from './runtime/pool.js';

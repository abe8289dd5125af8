// enclave-mcp/client: run AgentScript on an enclave-mcp server from Node or a browser, with its tool calls and
// console lines as they happen (DESIGN §7). The front door: everything a caller uses is exported here.
export { connectEnclave } from './connect.js';
export { CLIENT_ERROR_CODES, EnclaveClientError, type ClientErrorCode } from './errors.js';
export { CANCELLED_MESSAGE, DEFAULT_RUN_TIMEOUT_MS } from './run.js';
export { eventOf, toolCallOf } from './events.js';
export type {
  ConnectOptions,
  EnclaveClient,
  ExecutionEvent,
  ExecutionResult,
  JsonValue,
  Limits,
  LogEntry,
  LogLevel,
  OAuthClientProvider,
  RunOptions,
  SearchDetail,
  SecurityLevel,
  ServerSettings,
  ToolCallEvent,
  ToolInfo,
} from './types.js';

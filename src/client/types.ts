// The public shapes of `enclave-mcp/client` (DESIGN §7). Results and events are the enclave's own types (DESIGN §5),
// imported as types only, through the enclave's browser door: nothing of the enclave is bundled into a browser app.
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { ExecutionEvent, ExecutionResult, JsonValue, Limits, SecurityLevel } from '../enclave/browser.js';

export type { ExecutionEvent, ExecutionResult, JsonValue, Limits, SecurityLevel, OAuthClientProvider };
/** A console line of the script. */
export type LogEntry = ExecutionResult['logs'][number];
export type LogLevel = LogEntry['level'];

interface CommonConnectOptions {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:3333/mcp. */
  url: string | URL;
  /** Replaces the global fetch for every request (a proxy, a test's recorder). */
  fetch?: typeof fetch;
  /** How this client introduces itself to the server (its logs and metrics show it). */
  clientName?: string;
}
/** A static bearer token (`serve --token`, a manifest's `auth.tokens`) or an OAuth provider, never both. */
export type ConnectOptions = (CommonConnectOptions & { token: string }) | (CommonConnectOptions & { authProvider: OAuthClientProvider });

/** One tool call of a running script: reported when it starts (`running`) and again when it ends, with the same id. */
export interface ToolCallEvent {
  id: number;
  /** `server:tool`. */
  tool: string;
  /** The arguments, redacted; a string holding the cut JSON text when they were long. */
  args?: JsonValue;
  status: 'running' | 'ok' | 'error';
  durationMs?: number;
  /** Size of the result's JSON text, when it succeeded. */
  resultBytes?: number;
  error?: { code: string; message: string };
}

export interface RunOptions {
  /** Each tool call, at its start and at its end (same id), in the order they happened. */
  onToolCall?(call: ToolCallEvent): void;
  /** Each console line of the script, in order. */
  onLog?(entry: { level: LogLevel; message: string }): void;
  /** Every event as the server sent it (tool-call-start, tool-call-end, log), in order. */
  onEvent?(event: ExecutionEvent): void;
  /** Aborting cancels the script on the server; run() then resolves with a CANCELLED result. */
  signal?: AbortSignal;
  /** Also return the run's tool calls and results as `recording` (to replay the script without the tools). */
  record?: boolean;
  /** How long the server may stay silent before run() rejects with REQUEST_TIMEOUT (default 10 minutes). */
  timeoutMs?: number;
}

/** An allowed tool as search_tools describes it. */
export interface ToolInfo {
  /** `server:tool`, the name a script passes to callTool. */
  name: string;
  summary: string;
  /** Its TypeScript declaration (detail 'full'). */
  declaration?: string;
  /** The JSON Schema of its arguments (detail 'full'). */
  inputSchema?: Record<string, unknown>;
}
export type SearchDetail = 'name' | 'summary' | 'full';

/** The level and limits the server checks this caller's scripts at. */
export interface ServerSettings {
  securityLevel: SecurityLevel;
  limits: Limits;
}

export interface EnclaveClient {
  /**
   * Runs a script on the server. Resolves with its result (DESIGN §5) whether the script succeeded, failed or was
   * cancelled; rejects (EnclaveClientError) only when the server could not be asked or the connection broke.
   */
  run(code: string, options?: RunOptions): Promise<ExecutionResult>;
  /** Every allowed tool, with declarations and input schemas. */
  tools(): Promise<ToolInfo[]>;
  /** Allowed tools whose name or description holds every word of `query` (all of them without one). */
  searchTools(query?: string, detail?: SearchDetail): Promise<ToolInfo[]>;
  /** The level and limits scripts are checked at; undefined from a server that does not say. */
  settings(): Promise<ServerSettings | undefined>;
  /** Calls `listener` when the server's tool list changes; returns the function that stops it. */
  onToolsChanged(listener: () => void): () => void;
  /** Cancels runs in flight (they resolve CANCELLED), ends the session and closes the connection. */
  close(): Promise<void>;
}

// Every way the HTTP layer refuses a request, as a table: status, JSON-RPC error code and a message that says what to
// do instead. Bodies are always JSON-RPC errors (id null), never an HTML page, so MCP clients can show them.
import type { ServerResponse } from 'node:http';
import { log } from '../shared/index.js';

export interface Refusal {
  kind: RefusalKind;
  /** What the message quotes: the Host, the Origin, the limit… (cut to a readable length). */
  detail?: string;
  /** For bad-method: the methods the path accepts. */
  allow?: string;
  /** For 401 and 403 of a token: the WWW-Authenticate value (RFC 6750), naming the resource metadata under OAuth. */
  challenge?: string;
}

interface Entry {
  status: number;
  /** JSON-RPC: -32700 parse error, -32600 invalid request, -32001 unknown session (as the SDK), -32000 the rest. */
  code: number;
  message: (detail: string) => string;
  headers?: Record<string, string>;
}

const REFUSALS = {
  'no-token': {
    status: 401,
    code: -32000,
    headers: { 'WWW-Authenticate': 'Bearer realm="enclave-mcp"' },
    // detail: the credentials this server accepts (http-auth.ts)
    message: (how) =>
      `Unauthorized: send the header "Authorization: Bearer <token>" with ${how || 'the token serve printed at start-up (or ENCLAVE_MCP_TOKEN)'}.`,
  },
  'wrong-token': {
    status: 401,
    code: -32000,
    headers: { 'WWW-Authenticate': 'Bearer realm="enclave-mcp", error="invalid_token"' },
    // detail: why, when known, and what to send instead
    message: (why) => `Unauthorized: the bearer token is wrong${why ? `: ${why}` : '. Use the token serve printed at start-up (or ENCLAVE_MCP_TOKEN).'}`,
  },
  'insufficient-scope': {
    status: 403,
    code: -32000,
    message: (scopes) => `Forbidden: the access token lacks a scope this server requires (it needs "${scopes}"). Get a new token with scope "${scopes}".`,
  },
  'no-principal': {
    status: 403,
    code: -32000,
    message: (who) =>
      `Forbidden: the token is valid, but no principal of this server's manifest matches it (${who}), so it may not use this server. Ask the operator to add a principal whose match fits this token.`,
  },
  'wrong-caller': {
    status: 403,
    code: -32000,
    message: () =>
      'Forbidden: this session belongs to another caller (or to another principal). Open your own session: send initialize without an Mcp-Session-Id header.',
  },
  'auth-unavailable': {
    status: 503,
    code: -32000,
    headers: { 'Retry-After': '10' },
    message: (why) => `Service unavailable: the access token could not be checked, because ${why}. Try again shortly; the server log (stderr) says more.`,
  },
  'foreign-host': {
    status: 403,
    code: -32000,
    message: (host) =>
      `Forbidden: Host "${host}" is not this server's address (a DNS rebinding guard). Connect to the URL serve printed, or list the name with --allowed-host.`,
  },
  'foreign-origin': {
    status: 403,
    code: -32000,
    message: (origin) =>
      `Forbidden: requests from the web origin "${origin}" are refused (a DNS rebinding guard). Call from an MCP client rather than a web page, or serve the page from a name given with --allowed-host.`,
  },
  'not-found': {
    status: 404,
    code: -32000,
    message: (path) => `Not found: ${path}. This server serves /mcp (Streamable HTTP), /sse and /messages (legacy SSE), /healthz, and the playground at /.`,
  },
  'no-session': {
    status: 404,
    code: -32001,
    message: () => 'Session not found: it expired or was closed. Start a new session: send initialize without an Mcp-Session-Id header.',
  },
  'bad-method': {
    status: 405,
    code: -32000,
    message: (method) => `Method not allowed: ${method}. See the Allow header for the methods this path accepts.`,
  },
  'too-large': {
    status: 413,
    code: -32000,
    headers: { Connection: 'close' },
    message: (limit) => `Request body too large: the limit is ${limit}. Shorten the script: move data into tool calls instead of writing it out.`,
  },
  'bad-type': {
    status: 415,
    code: -32000,
    message: (type) => `Unsupported Media Type: ${type}. Send the JSON-RPC message with Content-Type: application/json.`,
  },
  'parse-error': {
    status: 400,
    code: -32700,
    message: () => 'Parse error: the body is not valid JSON. Send one JSON-RPC message (or an array of them) as UTF-8 JSON.',
  },
  'invalid-request': {
    status: 400,
    code: -32600,
    message: (why) => `Invalid Request: ${why}. Send a JSON-RPC 2.0 message with "jsonrpc": "2.0".`,
  },
  'needs-session': {
    status: 400,
    code: -32000,
    message: () => 'Bad Request: no Mcp-Session-Id header. Send initialize first, then the session id it returns on every request.',
  },
  'too-many-sessions': {
    status: 503,
    code: -32000,
    headers: { 'Retry-After': '30' },
    message: (max) =>
      `Service unavailable: ${max} sessions are open, the most this server keeps. Close sessions you no longer use (DELETE /mcp), or try again once idle ones expire.`,
  },
  'shutting-down': {
    status: 503,
    code: -32000,
    headers: { Connection: 'close' },
    message: () => 'Service unavailable: the server is shutting down. Connect again once it is back.',
  },
  internal: {
    status: 500,
    code: -32603,
    message: () => 'Internal error while handling the request. Try again; the server log (stderr) has the details.',
  },
} satisfies Record<string, Entry>;

export type RefusalKind = keyof typeof REFUSALS;

export function errorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Answers with the refusal, or drops the connection if an answer has already begun (it cannot be replaced). */
export function refuse(res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const entry: Entry = REFUSALS[refusal.kind];
  const detail = (refusal.detail ?? '').slice(0, 400);
  // ENCLAVE_LOG=debug: every refusal with its reason (the detail is what the client is told, never a credential).
  log.fields('debug', 'HTTP request refused', { status: entry.status, kind: refusal.kind, ...(detail ? { detail: detail.slice(0, 200) } : {}) });
  const body = errorBody(entry.code, entry.message(detail));
  res.writeHead(entry.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...entry.headers,
    ...(refusal.allow ? { Allow: refusal.allow } : {}),
    ...(refusal.challenge ? { 'WWW-Authenticate': refusal.challenge } : {}),
  });
  res.end(body);
}

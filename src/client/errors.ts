// The client library's one error type. A script that fails or is cancelled is a result, never one of these: these
// say the client could not talk to the server (or was used wrongly), each with a stable code and what to do.
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** Each code with what it means, as data (the README's table is this list). */
export const CLIENT_ERROR_CODES = {
  AUTH_FAILED: 'the server refused the token or the OAuth credentials (HTTP 401/403)',
  CONNECT_FAILED: 'the server could not be reached or did not answer as an MCP server',
  CONNECTION_LOST: 'the connection broke while a request was in flight',
  REQUEST_TIMEOUT: 'the server sent nothing for longer than the request timeout',
  REQUEST_FAILED: 'the server answered the request with a protocol error',
  BAD_RESPONSE: 'the server answered in a shape this client does not know (not enclave-mcp, or another version)',
  CLOSED: 'the client was closed',
  INVALID_ARGUMENT: 'a function of the library was called with a wrong argument',
} as const;
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

export class EnclaveClientError extends Error {
  override readonly name = 'EnclaveClientError';
  readonly code: ClientErrorCode;
  /** The HTTP status, when the server answered with one. */
  readonly status: number | undefined;

  constructor(code: ClientErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/** The HTTP status an SDK error carries, if any (StreamableHTTPError's code is the status; -1 means no status). */
function statusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0) return error.code;
  return undefined;
}

const detail = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** A refused credential, whatever layer noticed it. */
export function authError(error: unknown): EnclaveClientError | undefined {
  const status = statusOf(error);
  if (error instanceof UnauthorizedError || status === 401 || status === 403) {
    const what = status === 403 ? 'refused (403): the token is valid but may not use this server' : 'not accepted (401)';
    return new EnclaveClientError(
      'AUTH_FAILED',
      `The server's credentials were ${what}. Check the token (the one \`serve\` printed, or ENCLAVE_MCP_TOKEN) or sign in again, then connect again.`,
      { cause: error, ...(status ? { status } : {}) },
    );
  }
  return undefined;
}

/** An error from connecting, as the caller should see it. */
export function connectError(error: unknown, url: string): EnclaveClientError {
  if (error instanceof EnclaveClientError) return error;
  const auth = authError(error);
  if (auth) return auth;
  const status = statusOf(error);
  const why = status ? `it answered HTTP ${status}` : detail(error);
  return new EnclaveClientError(
    'CONNECT_FAILED',
    `Could not connect to ${url}: ${why}. Check that \`enclave-mcp serve --transport http\` is running there (the URL ends in /mcp), and, from a web page on another origin, that it was started with --allow-origin <that origin>.`,
    { cause: error, ...(status ? { status } : {}) },
  );
}

/** An error from a request on an open connection (not a script failure: those are results). */
export function requestError(error: unknown): EnclaveClientError {
  if (error instanceof EnclaveClientError) return error;
  const auth = authError(error);
  if (auth) return auth;
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) {
      return new EnclaveClientError(
        'REQUEST_TIMEOUT',
        `The server sent nothing within the request timeout (${detail(error)}). Raise timeoutMs or check the server.`,
        {
          cause: error,
        },
      );
    }
    if (error.code === ErrorCode.ConnectionClosed) {
      return new EnclaveClientError('CONNECTION_LOST', 'The connection to the server closed before it answered. Connect again and run the script again.', {
        cause: error,
      });
    }
    return new EnclaveClientError('REQUEST_FAILED', `The server refused the request: ${detail(error)}`, { cause: error });
  }
  const status = statusOf(error);
  if (status === 404) {
    return new EnclaveClientError('CONNECTION_LOST', 'The server no longer knows this session (it restarted or timed the session out). Connect again.', {
      cause: error,
      status,
    });
  }
  return new EnclaveClientError('CONNECTION_LOST', `The connection to the server broke: ${detail(error)}. Connect again and run the script again.`, {
    cause: error,
    ...(status ? { status } : {}),
  });
}

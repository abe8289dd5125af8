// connectEnclave: the SDK's Client over Streamable HTTP, with a bearer token or an OAuth provider, and errors that
// say what to do. Runs in Node and in browsers: nothing here (or below) imports node:*.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { Connection } from './connection.js';
import { connectError, EnclaveClientError } from './errors.js';
import { StreamWatch } from './stream-watch.js';
import type { ConnectOptions, EnclaveClient } from './types.js';

/** The version of how this client reads the server (events and settings in `_meta`), not of the package. */
const CLIENT_VERSION = '1';

/**
 * The SDK checks structured results against each tool's outputSchema with ajv, which compiles code with `new
 * Function`: a page with a strict Content-Security-Policy (no 'unsafe-eval') cannot run it. This client checks every
 * answer it reads with its own schemas (replies.ts), so the SDK's check is switched off rather than broken.
 */
const checkedElsewhere: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined });
  },
};

export async function connectEnclave(options: ConnectOptions): Promise<EnclaveClient> {
  const url = endpointOf(options);
  const watch = new StreamWatch(options.fetch);
  const auth =
    'authProvider' in options && options.authProvider !== undefined
      ? { authProvider: options.authProvider }
      : { requestInit: { headers: { Authorization: `Bearer ${(options as { token: string }).token}` } } };
  const transport = new StreamableHTTPClientTransport(url, { fetch: watch.fetch, ...auth });
  const client = new Client({ name: options.clientName ?? 'enclave-mcp-client', version: CLIENT_VERSION }, { jsonSchemaValidator: checkedElsewhere });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw connectError(error, url.href);
  }
  return new Connection(client, transport, watch);
}

/** Checks the options (a wrong one is INVALID_ARGUMENT naming it) and returns the endpoint's URL. */
function endpointOf(options: ConnectOptions): URL {
  const bad = (message: string): EnclaveClientError => new EnclaveClientError('INVALID_ARGUMENT', `connectEnclave(): ${message}`);
  if (typeof options !== 'object' || options === null) throw bad('pass { url, token } or { url, authProvider }.');
  const hasToken = 'token' in options && options.token !== undefined;
  const hasProvider = 'authProvider' in options && options.authProvider !== undefined;
  if (hasToken === hasProvider) throw bad('pass exactly one of token (a bearer token) and authProvider (OAuth).');
  if (hasToken && (typeof options.token !== 'string' || options.token.trim() === '' || /[\r\n]/.test(options.token)))
    throw bad('token must be the non-empty bearer token the server was started with (--token or ENCLAVE_MCP_TOKEN).');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw bad('fetch must be a function.');
  if (options.clientName !== undefined && typeof options.clientName !== 'string') throw bad('clientName must be a string.');
  let url: URL;
  try {
    // A relative URL is relative to the page, in a browser.
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    url = new URL(options.url, base);
  } catch {
    throw bad(`url must be the server's MCP endpoint, e.g. http://127.0.0.1:3333/mcp (got "${String(options.url).slice(0, 100)}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`url must be http: or https: (got "${url.protocol}").`);
  return url;
}

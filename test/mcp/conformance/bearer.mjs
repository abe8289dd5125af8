// Test-only preload for the conformance harness (node --import): it adds `Authorization: Bearer <token>` to the
// harness's requests to our server, since the harness has no option for request headers and our HTTP server
// requires a token. The server's auth is unchanged; only this client process sends the header.
// Both the harness's SDK client (global fetch) and its DNS-rebinding probe (undici's request) go through undici's
// global dispatcher, so one interceptor there covers every request the harness makes.
import { createRequire } from 'node:module';

const token = process.env.CONFORMANCE_BEARER_TOKEN;
const target = process.env.CONFORMANCE_BEARER_ORIGIN; // e.g. http://127.0.0.1:41234: the header goes nowhere else
if (!token || !target) throw new Error('bearer.mjs needs CONFORMANCE_BEARER_TOKEN and CONFORMANCE_BEARER_ORIGIN.');

// The harness's own copy of undici, so that the dispatcher is the one its `request` and Node's fetch both read.
const harness = createRequire(new URL('../../real-clients/node_modules/@modelcontextprotocol/conformance/package.json', import.meta.url));
const { Agent, setGlobalDispatcher } = harness('undici');

/** Headers come as an object, a flat [name, value, …] array, or an array of pairs; the token joins in kind. */
function withAuth(headers) {
  const value = `Bearer ${token}`;
  if (headers == null) return { authorization: value };
  if (Array.isArray(headers)) {
    const flat = headers.length === 0 || typeof headers[0] === 'string';
    const names = flat ? headers.filter((_, i) => i % 2 === 0) : headers.map(([name]) => name);
    if (names.some((name) => String(name).toLowerCase() === 'authorization')) return headers;
    return flat ? [...headers, 'authorization', value] : [...headers, ['authorization', value]];
  }
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) return headers;
  return { ...headers, authorization: value };
}

const origin = new URL(target).origin;
setGlobalDispatcher(
  new Agent().compose(
    (dispatch) => (options, handler) =>
      dispatch(new URL(String(options.origin)).origin === origin ? { ...options, headers: withAuth(options.headers) } : options, handler),
  ),
);

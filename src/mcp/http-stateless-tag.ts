// The client tag of --stateless mode. A stateless initialize is answered with a fresh random Mcp-Session-Id
// ("stateless.<uuid>"); the SDK client keeps that header from any response and sends it on every request, and a
// cancel is then scoped by (caller, tag, request id): unique per client, where ids alone are not (every client counts
// 1, 2, 3…, so with one shared token client A's cancel of its request 1 would stop client B's request 1).
//
// Nothing is stored and nothing is checked against a table: any replica serves any request, and a request without
// the header is served as before (its cancels are only less precise, see http-inflight.ts).
//
// Not a credential. The tag only narrows which requests of one authenticated caller (Caller.key: identity and
// principal) a cancel may reach; it never widens it. A client that guesses (or reads) another client's tag of the
// same caller can stop that client's requests, which that caller could already do: it holds the same credentials,
// and an untagged cancel from it reached them before tags existed. Another caller's requests stay out of reach
// whatever tag it sends, since the caller is part of the scope.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** No --session-prefix: that prefix routes a session to its replica (nginx-sessions.conf); a stateless tag must not. */
export const TAG_PREFIX = 'stateless.';

/** The spec's Mcp-Session-Id alphabet (visible ASCII) and a bound, so a tag cannot swell keys or Redis messages. */
const TAG_SHAPE = /^[\x21-\x7e]{1,128}$/;

export const mintTag = (): string => `${TAG_PREFIX}${randomUUID()}`;

/** The tag a stateless request carries; undefined (untagged) when absent or not shaped like one. */
export function tagOf(req: IncomingMessage): string | undefined {
  const tag = req.headers['mcp-session-id'];
  return typeof tag === 'string' && TAG_SHAPE.test(tag) ? tag : undefined;
}

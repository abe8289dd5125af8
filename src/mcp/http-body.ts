// Reading a POST body for MCP: JSON only, within a size limit, parsed once here so the SDK's transports receive it
// pre-parsed (and never answer a bad body with a page of their own).
import type { IncomingMessage } from 'node:http';
import type { Refusal } from './http-replies.js';

/**
 * The body limit for a level whose scripts may be `maxCodeBytes` long. The script travels as a JSON string inside a
 * tools/call message: quotes, backslashes and newlines double in JSON, and a client that escapes non-ASCII writes
 * 2-3 bytes per UTF-8 byte (control characters, 6, are refused by the pre-scanner anyway). Twice the code size covers
 * ordinary source with room to spare; 64 KB more is the JSON-RPC envelope and _meta. A script over the limit's worth
 * of escaping gets the 413 message rather than VALIDATION_ERROR: both say to shorten it.
 */
export const bodyLimitFor = (maxCodeBytes: number): number => 2 * maxCodeBytes + 64 * 1024;

/** Beyond this, an oversized body is not even drained to give a polite answer: the connection is closed. */
const DRAIN_CAP = 64 * 1024 * 1024;

export type BodyResult = { ok: true; body: unknown } | { ok: false; refusal: Refusal };

/** Media type without parameters ("application/json; charset=utf-8" is JSON; "application/jsonx" is not). */
const mediaType = (header: string | undefined): string => (header ?? '').split(';')[0]!.trim().toLowerCase();

const tooLarge = (limit: number): BodyResult => ({ ok: false, refusal: { kind: 'too-large', detail: `${limit} bytes` } });

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const type = mediaType(req.headers['content-type']);
  if (type !== 'application/json') return { ok: false, refusal: { kind: 'bad-type', detail: type || '(no Content-Type)' } };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > DRAIN_CAP) return tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  const complete = await new Promise<boolean>((resolve) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit nothing more is kept; the rest is read and dropped so the client can read our answer.
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_CAP) req.destroy();
    });
    req.once('end', () => resolve(true));
    req.once('error', () => resolve(false));
    req.once('close', () => resolve(false)); // after 'end' this changes nothing; before it, the client went away
  });
  if (size > limit) return tooLarge(limit);
  if (!complete) return { ok: false, refusal: { kind: 'invalid-request', detail: 'the body ended early' } };
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, refusal: { kind: 'parse-error' } };
  }
}

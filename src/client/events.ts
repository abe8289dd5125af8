// Reading the events a running script streams (spec §2): each notifications/progress carries one ExecutionEvent in
// `_meta['enclave-mcp/event']`. What arrives is checked, not trusted: an event of a type this version does not know,
// or one with the wrong shape, is skipped, so a newer server never breaks an older client.
import { z } from 'zod';
import type { ExecutionEvent, JsonValue, ToolCallEvent } from './types.js';

/** Where the server puts the event in each progress notification. */
export const EVENT_META_KEY = 'enclave-mcp/event';

const LOG_LEVELS = ['log', 'info', 'warn', 'error'] as const;
const ErrorShape = z.object({ code: z.string(), message: z.string() });

// Objects are loose: a field a newer server adds passes through untouched.
const EventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('started'), queuedMs: z.number() }),
  z.looseObject({ type: z.literal('tool-call-start'), id: z.number(), tool: z.string(), args: z.json() }),
  z.looseObject({
    type: z.literal('tool-call-end'),
    id: z.number(),
    tool: z.string(),
    ok: z.boolean(),
    durationMs: z.number(),
    code: z.string().optional(),
    resultBytes: z.number().optional(),
    error: ErrorShape.optional(),
  }),
  // A level this version does not know still shows its line, as a plain log.
  z.looseObject({ type: z.literal('log'), level: z.enum(LOG_LEVELS).catch('log'), message: z.string() }),
]);

/** The event in a progress notification's params, or undefined when there is none this client understands. */
export function eventOf(params: unknown): ExecutionEvent | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const parsed = EventSchema.safeParse((meta as Record<string, unknown>)[EVENT_META_KEY]);
  // z.json() is JSON by construction, which is what ExecutionEvent's JsonValue fields hold.
  return parsed.success ? (parsed.data as ExecutionEvent) : undefined;
}

/** The tool call an event reports, as onToolCall gives it; undefined for events that are not tool calls. */
export function toolCallOf(event: ExecutionEvent): ToolCallEvent | undefined {
  if (event.type === 'tool-call-start') return { id: event.id, tool: event.tool, args: event.args as JsonValue, status: 'running' };
  if (event.type !== 'tool-call-end') return undefined;
  const call: ToolCallEvent = { id: event.id, tool: event.tool, status: event.ok ? 'ok' : 'error', durationMs: event.durationMs };
  if (event.resultBytes !== undefined) call.resultBytes = event.resultBytes;
  if (!event.ok) call.error = event.error ?? { code: event.code ?? 'TOOL_ERROR', message: `${event.tool} failed.` };
  return call;
}

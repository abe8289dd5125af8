// The one schema of host ↔ worker messages. Both sides validate what they receive.
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { SECURITY_LEVELS, type Limits } from '../levels.js';

const Code = z.enum(ERROR_CODES);
const count = z.number().int().nonnegative();

/** Every number of a level's limits (levels.ts), as resolved by the host. */
export const LimitsSchema = z.object({
  timeoutMs: count,
  maxIterations: count,
  maxToolCalls: count,
  memoryBytes: count,
  maxCodeBytes: count,
  maxResultBytes: count,
  maxLogBytes: count,
  maxLogCalls: count,
  maxConcurrency: count,
  maxNestingDepth: count,
  maxLineLength: count,
  maxStringLiteralBytes: count,
}) satisfies z.ZodType<Limits>;

const IssueSchema = z.object({ rule: z.string(), message: z.string(), line: z.number(), column: z.number() });

export const ToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  // The script passed stages 1–4 and waits for its sandbox to be made: the host's watchdog waits PREPARE_MS.
  z.object({ type: z.literal('preparing'), id: z.number() }),
  // The script passed stages 1–4 and starts running: its own deadline starts now.
  z.object({ type: z.literal('started'), id: z.number() }),
  z.object({ type: z.literal('tool-call'), id: z.number(), callId: z.number(), name: z.string(), args: z.string() }),
  z.object({ type: z.literal('tool-cancel'), id: z.number(), callIds: z.array(z.number()) }),
  z.object({ type: z.literal('log'), id: z.number(), level: z.enum(['log', 'info', 'warn', 'error']), message: z.string() }),
  z.object({
    type: z.literal('done'),
    id: z.number(),
    ok: z.boolean(),
    value: z.string().optional(), // JSON text of the result
    error: z
      .object({
        code: Code,
        message: z.string(),
        issues: z.array(IssueSchema).optional(),
        tool: z.string().optional(),
        line: z.number().optional(), // the script's own line and column (the worker maps them back)
        column: z.number().optional(),
      })
      .optional(),
    iterations: z.number(),
    toolCalls: z.number(),
    /** The static risk score (stage 4), or the run-time one when that blocked a call; absent when never scored. */
    score: z.number().optional(),
    /** False when the run's sandbox cannot be put back (its memory grew): the worker prepares a new one (~5 ms). */
    sandboxKept: z.boolean().optional(),
  }),
]);
export type ToMain = z.infer<typeof ToMainSchema>;
export type DoneMessage = Extract<ToMain, { type: 'done' }>;
export type DoneError = NonNullable<DoneMessage['error']>;

/** A result that failed the schema: the run still ends, with INTERNAL_ERROR and this message. */
export function malformedDone(id: number): DoneMessage {
  return {
    type: 'done',
    id,
    ok: false,
    error: { code: 'INTERNAL_ERROR', message: 'The sandbox produced a malformed result. Run the script again; if it fails again, simplify it.' },
    iterations: 0,
    toolCalls: 0,
  };
}

export const RunSchema = z.object({
  type: z.literal('run'),
  id: z.number(),
  /** The script as the caller wrote it: the worker checks and transforms it (stages 1–4), off the main thread. */
  code: z.string(),
  level: z.enum(SECURITY_LEVELS),
  limits: LimitsSchema,
  /** JSON object of the host's extra read-only globals, and their names. */
  globals: z.string(),
  globalNames: z.array(z.string()),
  /**
   * Epoch ms. The worker says 'started' (the host's watchdog then restarts with the script's own deadline) only when
   * it starts the script this late (checking took long enough to eat into the watchdog's margin), or after it said
   * 'preparing' (the watchdog waits PREPARE_MS meanwhile). A quick start says nothing, which spares a message, and
   * the host a wake-up, on every run.
   */
  startedAfter: z.number(),
  // Shared with the host: a non-zero value cancels the run at the next interrupt poll, even while the
  // worker is busy computing and cannot read messages.
  stop: z.custom<Int32Array<SharedArrayBuffer>>((v) => v instanceof Int32Array && v.buffer instanceof SharedArrayBuffer),
});
export type RunMessage = z.infer<typeof RunSchema>;

/** What the host sends a running execution, in Node and in a browser alike. */
const ANSWERS = [
  z.object({
    type: z.literal('tool-result'),
    id: z.number(),
    callId: z.number(),
    ok: z.boolean(),
    value: z.string().optional(), // JSON text
    error: z.object({ code: Code, message: z.string() }).optional(),
  }),
  z.object({ type: z.literal('cancel'), id: z.number(), code: Code, message: z.string() }),
  // The host waits for a person (ToolCallContext.untimed): the clock stops for an idle script, and resumes after.
  z.object({ type: z.literal('pause'), id: z.number() }),
  z.object({ type: z.literal('resume'), id: z.number() }),
] as const;
export const ToWorkerSchema = z.discriminatedUnion('type', [RunSchema, ...ANSWERS]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/**
 * The browser's run message (browser-host.ts → browser-worker.ts). SharedArrayBuffer exists only on a cross-origin
 * isolated page, so there the stop flag is optional: without it, the host ends a computing script it cancels by
 * terminating its worker (a script waiting on tools still ends by the cancel message).
 */
export const BrowserRunSchema = RunSchema.extend({ stop: z.custom<Int32Array>((v) => v instanceof Int32Array).optional() });
export type BrowserRunMessage = z.infer<typeof BrowserRunSchema>;
export const ToBrowserWorkerSchema = z.discriminatedUnion('type', [BrowserRunSchema, ...ANSWERS]);
export type ToBrowserWorker = z.infer<typeof ToBrowserWorkerSchema>;

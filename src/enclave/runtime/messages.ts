// The one schema of host ↔ worker messages. Both sides validate what they receive.
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';

const Code = z.enum(ERROR_CODES);

export const SandboxLimitsSchema = z.object({
  timeoutMs: z.number(),
  memoryBytes: z.number(),
  maxIterations: z.number(),
  maxToolCalls: z.number(),
  maxConcurrency: z.number(),
  maxResultBytes: z.number(),
  maxLogBytes: z.number(),
  maxLogCalls: z.number(),
});
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

export const ToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
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
        tool: z.string().optional(),
        line: z.number().optional(), // in the transformed code; the host maps it back
        column: z.number().optional(),
      })
      .optional(),
    iterations: z.number(),
    toolCalls: z.number(),
  }),
]);
export type ToMain = z.infer<typeof ToMainSchema>;
export type DoneMessage = Extract<ToMain, { type: 'done' }>;

/** A result that failed the schema: the run still ends, with INTERNAL_ERROR and this message. */
export function malformedDone(id: number): DoneMessage {
  return { type: 'done', id, ok: false, error: { code: 'INTERNAL_ERROR', message: 'The sandbox produced a malformed result. Run the script again; if it fails again, simplify it.' }, iterations: 0, toolCalls: 0 };
}

export const ToWorkerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    id: z.number(),
    code: z.string(),
    limits: SandboxLimitsSchema,
    globals: z.string(),
    // Shared with the host: a non-zero value cancels the run at the next interrupt poll, even while the
    // worker is busy computing and cannot read messages.
    stop: z.custom<Int32Array<SharedArrayBuffer>>((v) => v instanceof Int32Array && v.buffer instanceof SharedArrayBuffer),
  }),
  z.object({
    type: z.literal('tool-result'),
    id: z.number(),
    callId: z.number(),
    ok: z.boolean(),
    value: z.string().optional(), // JSON text
    error: z.object({ code: Code, message: z.string() }).optional(),
  }),
  z.object({ type: z.literal('cancel'), id: z.number(), code: Code, message: z.string() }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

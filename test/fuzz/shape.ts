// The result contract of DESIGN §5 as a zod schema, strict: a missing, extra or mistyped field is a broken contract.
// Used on Enclave results and on execute_agentscript's structuredContent.
import { z } from 'zod';
import { ERROR_CODES } from '../../src/enclave/index.js';

const IssueSchema = z.strictObject({ rule: z.string(), message: z.string(), line: z.number(), column: z.number() });

const ErrorSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string().min(1),
  issues: z.array(IssueSchema).optional(),
  tool: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
});

const count = z.number().int().nonnegative();
const CallSchema = z.strictObject({
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  result: z.unknown().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  /** The result did not fit the recording's room; the run ended while the call was in flight. */
  omitted: z.literal(true).optional(),
  unfinished: z.literal(true).optional(),
});

export const ResultSchema = z
  .strictObject({
    success: z.boolean(),
    value: z.unknown().optional(),
    error: ErrorSchema.optional(),
    logs: z.array(z.strictObject({ level: z.enum(['log', 'info', 'warn', 'error']), message: z.string() })),
    stats: z.strictObject({ durationMs: z.number().nonnegative().finite(), toolCalls: count, iterations: count }),
    score: z.number().finite().optional(),
    recording: z.strictObject({ calls: z.array(CallSchema), truncated: z.literal(true).optional() }).optional(),
  })
  .refine((r) => (r.success ? r.error === undefined : r.error !== undefined && r.value === undefined), {
    message: 'success: true carries no error; success: false carries an error and no value',
  });
export type FuzzResult = z.infer<typeof ResultSchema>;

/** Plain JSON data (what a value must be): walked iteratively, since results may nest thousands deep. */
export function isJsonData(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (typeof v !== 'object') return false;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false;
    for (const child of Object.values(v)) stack.push(child); // not push(...): a wide value would overflow the arguments
  }
  return true;
}

/** The result checked against §5, or an Error saying what is wrong with it. */
export function checkShape(result: unknown): FuzzResult {
  const parsed = ResultSchema.safeParse(result);
  if (!parsed.success) throw new Error(`the result breaks the contract of DESIGN §5: ${z.prettifyError(parsed.error)}`);
  if (!isJsonData(parsed.data.value ?? null)) throw new Error('the result value is not plain JSON data');
  return parsed.data;
}

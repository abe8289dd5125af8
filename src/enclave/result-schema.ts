// The result of an execution (DESIGN §5) as one zod schema: the TypeScript type ExecutionResult (types.ts) and the
// JSON Schema MCP clients see as execute_agentscript's output schema (src/mcp/server.ts) are both derived from it.
// Descriptions written here reach clients; test/enclave/result-schema.test.ts holds the other types to it.
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * Any JSON value, typed as one. Not walked when an answer is checked against the schema (the MCP SDK checks every
 * structuredContent): the enclave made it from JSON text, and a deep check costs tens of milliseconds per megabyte of
 * result, on every answer. Its JSON Schema is `{}`, any value, as it always was.
 */
const jsonValue = z.unknown() as z.ZodType<JsonValue>;
const jsonObject = z.record(z.string(), z.unknown()) as z.ZodType<JsonObject>;

export const LOG_LEVELS = ['log', 'info', 'warn', 'error'] as const;

export const IssueSchema = z.object({ rule: z.string(), message: z.string(), line: z.number(), column: z.number() });

export const ExecutionErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  issues: z.array(IssueSchema).optional(),
  tool: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
});

export const LogEntrySchema = z.object({ level: z.enum(LOG_LEVELS), message: z.string() });

export const ExecutionStatsSchema = z.object({ durationMs: z.number(), toolCalls: z.number(), iterations: z.number() });

export const RecordedCallSchema = z.object({
  tool: z.string(),
  args: jsonObject,
  result: jsonValue.optional().describe('What the call returned, as the script saw it (redacted like every output).'),
  error: z.object({ code: z.string(), message: z.string() }).optional().describe('How the call failed, when it did.'),
  omitted: z.literal(true).optional().describe('The result did not fit the recording’s room and was left out: replaying this call fails.'),
  unfinished: z.literal(true).optional().describe('The run ended while this call was in flight (the script did not wait for it): replaying this call fails.'),
});

export const RecordingSchema = z.object({
  calls: z.array(RecordedCallSchema),
  truncated: z.literal(true).optional().describe('The recording ran out of room: the calls after the last one listed were not recorded.'),
});

export const ExecutionResultSchema = z.object({
  success: z.boolean(),
  value: jsonValue.optional().describe('The script’s return value (JSON).'),
  error: ExecutionErrorSchema.optional(),
  logs: z.array(LogEntrySchema),
  stats: ExecutionStatsSchema,
  score: z.number().optional().describe('The static risk score of the script (stage 4); absent when it never got that far.'),
  recording: RecordingSchema.optional().describe(
    'The tool calls and their results, when asked for with record: true (replay with `enclave-mcp run --replay`).',
  ),
});

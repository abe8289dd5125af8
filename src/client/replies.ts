// Reading the server's answers: execute_agentscript's result (DESIGN §5), search_tools' tool list (spec §4) and the
// settings in tools/list (spec §5). Each is checked against the shape this client knows; an answer that does not fit
// is BAD_RESPONSE, with what was wrong, rather than a crash somewhere in the caller's code.
import { z } from 'zod';
import { EnclaveClientError } from './errors.js';
import type { ExecutionResult, ServerSettings, ToolInfo } from './types.js';

export const SETTINGS_META_KEY = 'enclave-mcp/settings';
const SECURITY_LEVELS = ['STRICT', 'SECURE', 'STANDARD', 'PERMISSIVE'] as const;

const LogSchema = z.looseObject({ level: z.string(), message: z.string() });
const ResultSchema = z.looseObject({
  success: z.boolean(),
  value: z.json().optional(),
  // The code stays a string: a newer server may have codes this version does not list.
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  logs: z.array(LogSchema),
  stats: z.looseObject({ durationMs: z.number(), toolCalls: z.number(), iterations: z.number() }),
  score: z.number().optional(),
  recording: z.looseObject({ calls: z.array(z.looseObject({ tool: z.string(), args: z.json() })) }).optional(),
});

const ToolInfoSchema = z.looseObject({
  name: z.string(),
  summary: z.string(),
  declaration: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});

const number = z.number();
const SettingsSchema = z.object({
  securityLevel: z.enum(SECURITY_LEVELS),
  limits: z.looseObject({
    timeoutMs: number,
    maxIterations: number,
    maxToolCalls: number,
    memoryBytes: number,
    maxCodeBytes: number,
    maxResultBytes: number,
    maxLogBytes: number,
    maxLogCalls: number,
    maxConcurrency: number,
    maxNestingDepth: number,
    maxLineLength: number,
    maxStringLiteralBytes: number,
  }),
});

/** What a tools/call answer carries that we read. */
export interface ToolReply {
  structuredContent?: unknown;
  content?: unknown;
  isError?: boolean;
}

/** The text of a reply's content, for messages (the SDK puts its own input-validation errors there). */
function textOf(reply: ToolReply): string {
  if (!Array.isArray(reply.content)) return '';
  return reply.content
    .map((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : ''))
    .join(' ')
    .slice(0, 500);
}

function structured<T>(reply: ToolReply, schema: z.ZodType<T>, tool: string): T {
  if (reply.structuredContent === undefined) {
    // An error answer without a result is the server refusing the call itself (bad arguments, unknown tool).
    if (reply.isError) throw new EnclaveClientError('REQUEST_FAILED', `The server refused ${tool}: ${textOf(reply) || 'no reason given'}`);
    throw new EnclaveClientError('BAD_RESPONSE', `${tool} answered without structured content: is this an enclave-mcp server of this version?`);
  }
  const parsed = schema.safeParse(reply.structuredContent);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the result';
    throw new EnclaveClientError('BAD_RESPONSE', `${tool} answered in an unknown shape (${where}: ${issue?.message ?? 'invalid'}).`);
  }
  return parsed.data;
}

export function resultOf(reply: ToolReply): ExecutionResult {
  // Checked above for every field callers read; codes and log levels may be newer than this version's unions.
  return structured(reply, ResultSchema, 'execute_agentscript') as ExecutionResult;
}

export function toolInfosOf(reply: ToolReply): ToolInfo[] {
  return structured(reply, z.looseObject({ tools: z.array(ToolInfoSchema) }), 'search_tools').tools;
}

/** The settings in execute_agentscript's `_meta`, or undefined when the server does not give them (or in a shape we do not know). */
export function settingsOf(meta: unknown): ServerSettings | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const parsed = SettingsSchema.safeParse((meta as Record<string, unknown>)[SETTINGS_META_KEY]);
  return parsed.success ? parsed.data : undefined;
}

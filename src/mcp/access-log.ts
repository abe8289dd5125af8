// The access log: one structured line per execution on stderr (info), and at debug, why each execution or tool call
// that did not succeed ended so. The script is never logged: a SHA-256 prefix names it (the same script, the same
// hash), so an operator can find repeats without reading anyone's code. Values and tool results are never logged.
import { createHash, randomUUID } from 'node:crypto';
import type { ErrorCode } from '../enclave/index.js';
import { log, logEnabled, type LogFields } from '../shared/index.js';
import type { ExecutionObserver, ExecutionRecord } from './server.js';

/** How a code reads in the debug line ("execution refused: …"); a code not listed "failed". */
const ENDINGS: Partial<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: 'refused',
  SCORING_BLOCKED: 'refused',
  POLICY_BLOCKED: 'refused',
  UNKNOWN_TOOL: 'refused',
  INVALID_TOOL_ARGS: 'refused',
  SERVER_BUSY: 'refused',
  QUOTA_EXCEEDED: 'refused',
  CANCELLED: 'cancelled',
  TIMEOUT: 'timed out',
};
const ending = (code: string | undefined): string => ENDINGS[code as ErrorCode] ?? 'failed';

/** Reasons are the messages scripts see (secrets already redacted); a long one is cut, not dropped. */
const MAX_REASON = 500;
/** A tool name is the script's text: long enough to recognize, never a megabyte. */
const MAX_TOOL_NAME = 120;
const MAX_ISSUES = 10;

export const codeHash = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex').slice(0, 16);

/**
 * Session ids are kept to a recognizable prefix, as elsewhere in our logs: the full id names a live session, and logs
 * travel further than the server. ("request:" marks a stateless request's own id.)
 */
const shortSession = (session: string): string => session.slice(0, session.indexOf(':') + 1 + 8);

export class AccessLog implements ExecutionObserver {
  executionFinished(record: ExecutionRecord): void {
    const { result } = record;
    const outcome = result.success ? 'ok' : (result.error?.code ?? 'INTERNAL_ERROR');
    const ids: LogFields = {
      requestId: randomUUID(),
      // Chosen by the client: a string id is cut, so one cannot fill the log.
      ...(record.rpcId !== undefined ? { rpcId: typeof record.rpcId === 'string' ? record.rpcId.slice(0, 100) : record.rpcId } : {}),
      sessionId: shortSession(record.session),
      principal: record.principal,
    };
    log.fields('info', 'execution', {
      ...ids,
      codeSha256: codeHash(record.code),
      codeBytes: Buffer.byteLength(record.code, 'utf8'),
      toolCalls: record.toolCalls.length,
      toolErrors: record.toolCalls.filter((c) => !c.ok).length,
      durationMs: Math.round(result.stats.durationMs),
      ...(record.queuedMs !== undefined ? { queuedMs: Math.round(record.queuedMs) } : {}),
      outcome,
    });
    if (!logEnabled('debug')) return;
    for (const call of record.toolCalls) {
      if (call.ok) continue;
      log.fields('debug', `tool call ${ending(call.code)}`, { ...ids, tool: call.tool.slice(0, MAX_TOOL_NAME), code: call.code ?? 'TOOL_ERROR' });
    }
    if (result.success || !result.error) return;
    const { code, message, issues } = result.error;
    log.fields('debug', `execution ${ending(code)}`, {
      ...ids,
      code,
      reason: message.slice(0, MAX_REASON),
      ...(issues?.length ? { issues: issues.slice(0, MAX_ISSUES).map((i) => `${i.rule} at ${i.line}:${i.column}`) } : {}),
    });
  }
}

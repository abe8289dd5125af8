// Human approval over MCP: an approval-needing tool call becomes an elicitation/create request on the stream of
// the execute_agentscript request that made it, so the question reaches the client (and person) whose script asked.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ElicitResultSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { JsonValue } from '../enclave/index.js';
import type { ApprovalRequest, Approver } from '../tool-bridge/call-gate.js';
import { escapeInvisible as visible } from '../tool-bridge/tool-text.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Arguments are shown up to this many characters: a person reads them, and a form is no place for a megabyte. */
const MAX_SHOWN_ARGS = 2_000;

/** Each string argument is shown up to this many characters, so that one long value cannot push the others out of view. */
const MAX_SHOWN_STRING = 300;

/** A copy of the arguments with long strings shortened (saying by how much); keys all kept, in order. */
function shortened(value: JsonValue): { value: JsonValue; cut: boolean } {
  let cut = false;
  const walk = (v: JsonValue, depth: number): JsonValue => {
    if (typeof v === 'string' && v.length > MAX_SHOWN_STRING) {
      cut = true;
      return `${v.slice(0, MAX_SHOWN_STRING)}… (${v.length - MAX_SHOWN_STRING} more characters)`;
    }
    if (typeof v !== 'object' || v === null) return v;
    if (depth > 20) {
      cut = true;
      return '…';
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  };
  const result = walk(value, 0);
  return { value: result, cut };
}

/** The text of an approval request, for any medium (MCP form, terminal). */
export function approvalText(request: ApprovalRequest): string {
  const short = shortened(request.args);
  let args = visible(JSON.stringify(short.value, null, 2) ?? 'null');
  let cut = short.cut;
  if (args.length > MAX_SHOWN_ARGS) {
    args = `${args.slice(0, MAX_SHOWN_ARGS)}\n… (${args.length - MAX_SHOWN_ARGS} more characters)`;
    cut = true;
  }
  const about = request.description ? `\n(${visible(firstSentence(request.description))})` : '';
  const warning = cut ? '\nThe arguments are longer than shown here: decline unless you expected that.' : '';
  // Fenced, so that a client rendering Markdown shows the arguments as text (no links or images fetched from them).
  return `A script wants to call ${request.tool}${about}\nwith these arguments:\n\`\`\`json\n${args.replaceAll('```', '` ``')}\n\`\`\`${warning}\n\nApprove this call? It runs only if you approve.`;
}

const firstSentence = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return (/^.*?[.!?](?=\s|$)/u.exec(line)?.[0] ?? line).slice(0, 200);
};

/**
 * The form the client shows: one boolean, false unless the person sets it. Accepting the form with it unset is
 * not an approval.
 */
const APPROVAL_SCHEMA = {
  type: 'object' as const,
  properties: {
    approve: { type: 'boolean' as const, title: 'Approve this call', description: 'Run this tool call with the arguments shown.', default: false },
  },
  required: ['approve'],
};

/** Whether the client said it can show forms (an empty `elicitation` capability means forms, per the protocol). */
export function canElicitForms(server: Server): boolean {
  const elicitation = server.getClientCapabilities()?.elicitation as { form?: object; url?: object } | undefined;
  if (!elicitation) return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

/** An Approver asking through elicitation on this request's stream; undefined when the client cannot show forms. */
export function elicitationApprover(server: Server, extra: Extra): Approver | undefined {
  if (!canElicitForms(server)) return undefined;
  return async (request, signal) => {
    const result = await extra.sendRequest(
      { method: 'elicitation/create', params: { mode: 'form', message: approvalText(request), requestedSchema: APPROVAL_SCHEMA } },
      ElicitResultSchema,
      { signal, timeout: request.timeoutMs },
    );
    if (result.action !== 'accept') return result.action;
    return result.content?.approve === true ? 'accept' : 'decline';
  };
}

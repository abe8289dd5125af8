// The MCP face of enclave-mcp: execute_agentscript and search_tools over one shared enclave and tool bridge.
// One McpServer per client session (the SDK binds a server to one transport); all of them share a Gateway.
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type ErrorCode, type ExecutionEvent, type ExecutionResult, ExecutionResultSchema, type Limits, type SecurityLevel } from '../enclave/index.js';
import { log } from '../shared/index.js';
import type { DownstreamTool } from '../tool-bridge/types.js';
import type { OpenManifest } from './open.js';
import { elicitationApprover } from './approval.js';
import type { Approver } from '../tool-bridge/call-gate.js';
import { describeExecute } from './description.js';
import { formatResult } from './format.js';
import { OPERATOR_PRINCIPAL, type Principal, Principals } from './principals.js';
import type { QuotaStore } from './quota.js';
import { memoryQuotaStore } from './quota-memory.js';
import { MAX_SEARCH_LIMIT, MAX_SEARCH_RESULTS, renderSearch, SEARCH_DETAILS, searchInfo, searchTools } from './search.js';

export const SERVER_INFO = { name: 'enclave-mcp', version: '0.1.0' };

/** Executions the gateway admits at once, across all sessions and per session (GatewayOptions). */
export const DEFAULT_ADMISSION = { maxConcurrent: 128, maxPerSession: 32 } as const;

export interface GatewayOptions {
  /**
   * Executions admitted at once across all sessions; beyond it, SERVER_BUSY (default 128). Admitted ones beyond
   * what the sandbox workers run at once wait in the enclave's queue, so a burst is served rather than refused.
   */
  maxConcurrent?: number;
  /** Executions admitted at once for one session (default 32), so one client cannot take every slot. */
  maxPerSession?: number;
  /** Where principals' quotas are counted (default: this process's memory; replicas share a Redis one). */
  quotas?: Pick<QuotaStore, 'acquire'>;
  /** Told of every execution as it ends (metrics, access logs). */
  observer?: ExecutionObserver;
}

/** What one finished execution looked like, for metrics and logs: never the code itself or its values. */
export interface ExecutionRecord {
  principal: string;
  session: string;
  /** The script, as given (the observer hashes it; it must never be logged or labelled whole). */
  code: string;
  result: ExecutionResult;
  /** Tool calls of the execution, as the enclave reported them (name, outcome, duration). */
  toolCalls: readonly Extract<ExecutionEvent, { type: 'tool-call-end' }>[];
  /** How long it waited for a sandbox worker; absent when it never got one (refused or cancelled before). */
  queuedMs?: number;
  /** The JSON-RPC id of the tools/call request, to match a log line with what the client saw. */
  rpcId?: string | number;
}

export interface ExecutionObserver {
  executionFinished(record: ExecutionRecord): void;
}

const ToolInfoSchema = z.object({
  name: z.string(),
  summary: z.string(),
  declaration: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});

/** Where tools/list tells a program the level and limits its scripts are checked at (a browser validates with them). */
export const SETTINGS_META_KEY = 'enclave-mcp/settings';
/** Where each streamed progress notification carries its event as data, for programs (the client library). */
export const EVENT_META_KEY = 'enclave-mcp/event';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
const LOG_LEVELS = { log: 'info', info: 'info', warn: 'warning', error: 'error' } as const;

/** What every session shares: the live manifest, the concurrency bounds, and the sessions to notify. */
export class Gateway {
  readonly open: OpenManifest;
  readonly principals: Principals;
  private readonly quotas: Pick<QuotaStore, 'acquire'>;
  private readonly observer: ExecutionObserver | undefined;
  private readonly maxConcurrent: number;
  private readonly maxPerSession: number;
  private running = 0;
  private readonly perSession = new Map<string, number>();
  /** execute_agentscript's description for each principal (a fixed set: the manifest's and the operator). */
  private readonly descriptions = new Map<Principal, string>();
  /** Each session's execute_agentscript, with the principal whose tools it lists and the description it shows now. */
  private readonly executeTools = new Map<RegisteredTool, { principal: Principal; description: string }>();
  /** Each session's server, with the principal it serves. */
  private readonly servers = new Map<McpServer, Principal>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeWarnings: () => void;

  constructor(open: OpenManifest, options: GatewayOptions = {}) {
    this.open = open;
    this.principals = new Principals(open.manifest);
    this.quotas = options.quotas ?? memoryQuotaStore();
    this.observer = options.observer;
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_ADMISSION.maxConcurrent;
    this.maxPerSession = options.maxPerSession ?? DEFAULT_ADMISSION.maxPerSession;
    // A changed downstream catalog changes our description: each session's tool is updated, and the SDK then
    // sends notifications/tools/list_changed so clients read it again.
    this.unsubscribe = open.bridge.onToolsChanged(() => {
      this.descriptions.clear();
      for (const [tool, shown] of this.executeTools) {
        const description = this.description(shown.principal); // rendered once per principal, not once per session
        if (description === shown.description) continue; // a reconnect with the same tools, or another principal's tools: no news
        shown.description = description;
        tool.update({ description });
      }
    });
    // What the bridge warns about (a pinned tool changed) is news for every client, not only for our stderr.
    this.unsubscribeWarnings = open.bridge.onWarning((message) => {
      for (const [server, principal] of this.servers) {
        // It names a tool and tells the operator what to run: not news for a principal narrowed to other tools.
        if (!server.isConnected() || principal.allows) continue;
        server.server.sendLoggingMessage({ level: 'warning', logger: 'enclave-mcp', data: message }).catch(() => undefined);
      }
    });
  }

  /** The allowed tools of the servers that are up, as `principal` may see and call them. */
  tools(principal: Principal = OPERATOR_PRINCIPAL): readonly DownstreamTool[] {
    const all = this.open.bridge.tools;
    const allows = principal.allows;
    return allows ? all.filter((t) => allows(t.qualifiedName)) : all;
  }

  /**
   * Cached per principal until the catalog changes: every session (in --stateless mode, every request) starts with
   * it, and rendering the declarations is the costly part.
   */
  description(principal: Principal = OPERATOR_PRINCIPAL): string {
    let description = this.descriptions.get(principal);
    if (description === undefined) {
      const { securityLevel, limits } = this.settings(principal);
      description = describeExecute(securityLevel, limits, this.tools(principal));
      this.descriptions.set(principal, description);
    }
    return description;
  }

  /** The level and limits `principal`'s scripts run at: exactly the enclave's narrowing rule, not a copy of it. */
  settings(principal: Principal = OPERATOR_PRINCIPAL): { securityLevel: SecurityLevel; limits: Limits } {
    const { level, limits } = this.open.enclave.settingsFor({
      ...(principal.securityLevel ? { securityLevel: principal.securityLevel } : {}),
      ...(principal.limits ? { limits: principal.limits } : {}),
    });
    return { securityLevel: level, limits };
  }

  /** Counts one execution of `principal` against its quota; a refusal is the result to answer with. */
  async admit(principal: Principal): Promise<{ release(): void } | ExecutionResult> {
    if (!principal.quota) return { release: () => undefined };
    const grant = await this.quotas.acquire(principal.name, principal.quota).catch((error: unknown) => ({
      ok: false as const,
      limit: 'store' as const,
      message: error instanceof Error ? error.message : String(error),
    }));
    if (grant.ok) return grant;
    if (grant.limit !== 'store') return refusal('QUOTA_EXCEEDED', grant.message);
    // Which store, where, and why it failed is for the operator's log, not for the caller.
    log.debug(`quota store refusal: ${grant.message}`);
    return refusal(
      'QUOTA_EXCEEDED',
      'The quota store of this server is unavailable, so executions with a quota are refused for now (it fails closed). Retry shortly; the server log says more.',
    );
  }

  /** Tells the observer (metrics, logs); an observer that throws loses its record, never the answer. */
  finished(record: ExecutionRecord): void {
    try {
      this.observer?.executionFinished(record);
    } catch (error) {
      log.warn('the execution observer failed; the record was dropped', error);
    }
  }

  /** MCP sessions connected now (stdio's one, each HTTP session, each stateless request while it runs). */
  get sessions(): number {
    return this.servers.size;
  }

  /** Counts one execution in; undefined when a bound is reached. */
  enter(session: string): (() => void) | undefined {
    const mine = this.perSession.get(session) ?? 0;
    if (this.running >= this.maxConcurrent || mine >= this.maxPerSession) return undefined;
    this.running++;
    this.perSession.set(session, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = (this.perSession.get(session) ?? 1) - 1;
      if (left > 0) this.perSession.set(session, left);
      else this.perSession.delete(session);
    };
  }

  register(server: McpServer, tool: RegisteredTool, principal: Principal, description: string): () => void {
    this.executeTools.set(tool, { principal, description });
    this.servers.set(server, principal);
    return () => {
      this.executeTools.delete(tool);
      this.servers.delete(server);
    };
  }

  close(): void {
    this.unsubscribe();
    this.unsubscribeWarnings();
    this.executeTools.clear();
    this.servers.clear();
  }
}

/**
 * A new McpServer for one session. `session` keys the per-session bound (stateless: one per request); `principal`
 * is who authenticated (its tools are all this session sees and calls; stdio and the server token: the operator).
 */
export function createMcpServer(gateway: Gateway, session = 'stdio', principal: Principal = OPERATOR_PRINCIPAL): McpServer {
  const description = gateway.description(principal);
  const server = new McpServer(SERVER_INFO, { capabilities: { logging: {}, tools: { listChanged: true } } });
  const execute = server.registerTool(
    'execute_agentscript',
    {
      title: 'Run an AgentScript program',
      description,
      inputSchema: {
        code: z.string().describe('The AgentScript program: the body of an async function.'),
        record: z.boolean().optional().describe('Also return every tool call with its result (`recording`), to replay the script later without the tools.'),
      },
      outputSchema: ExecutionResultSchema, // the result of DESIGN §5, from the one schema its type comes from
      _meta: { [SETTINGS_META_KEY]: gateway.settings(principal) },
      // It calls downstream tools that may write and reach the outside world.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ code, record }, extra) => {
      const toolCalls: Extract<ExecutionEvent, { type: 'tool-call-end' }>[] = [];
      let queuedMs: number | undefined;
      const stream = streamer(extra, (level) => LoggingLevelSchema.options.indexOf(level) >= minimum);
      const onEvent = (event: ExecutionEvent): void => {
        if (event.type === 'tool-call-end') toolCalls.push(event);
        if (event.type === 'started') queuedMs = event.queuedMs;
        stream?.(event);
      };
      const approver = elicitationApprover(server.server, extra);
      const result = await runAs(gateway, {
        session,
        principal,
        code,
        signal: extra.signal,
        onEvent,
        ...(record ? { record } : {}),
        ...(approver ? { approver } : {}),
      });
      const timing = queuedMs === undefined ? {} : { queuedMs };
      gateway.finished({ principal: principal.name, session, code, result, toolCalls, rpcId: extra.requestId, ...timing });
      return {
        content: [{ type: 'text', text: formatResult(result) }],
        structuredContent: result,
        ...(result.success ? {} : { isError: true }),
      };
    },
  );
  // Console lines go on the request's own stream (extra.sendNotification), which the SDK's level filter does
  // not see; the level a client sets with logging/setLevel is kept here and applied by the streamer instead.
  let minimum = 0;
  server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    minimum = LoggingLevelSchema.options.indexOf(request.params.level);
    return {};
  });
  const unregister = gateway.register(server, execute, principal, description);
  server.server.onclose = () => unregister();

  server.registerTool(
    'search_tools',
    {
      title: 'Find tools for AgentScript',
      description:
        'Find the tools execute_agentscript scripts may call, by words in their name or description. detail: "name", "summary" (default) or "full" (TypeScript declarations with argument and result types). No query lists every tool.',
      inputSchema: {
        query: z.string().max(500).optional().describe('Words that must all appear in the tool’s name or description.'),
        detail: z.enum(SEARCH_DETAILS).optional().describe('How much to show per tool (default "summary").'),
        limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe(`How many tools to list at most (default ${MAX_SEARCH_RESULTS}).`),
      },
      outputSchema: { tools: z.array(ToolInfoSchema) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ query, detail, limit }) => {
      const found = searchTools(gateway.tools(principal), query);
      return {
        content: [{ type: 'text', text: renderSearch(found, detail ?? 'summary', limit) }],
        structuredContent: searchInfo(found, detail ?? 'summary', limit) as unknown as Record<string, unknown>, // plain JSON
      };
    },
  );
  return server;
}

/** One execution of `principal`: the server's bounds, then its quota, then the enclave at its level and limits. */
interface Execution {
  session: string;
  principal: Principal;
  code: string;
  signal: AbortSignal;
  onEvent: (event: ExecutionEvent) => void;
  record?: boolean;
  approver?: Approver;
}

async function runAs(gateway: Gateway, { session, principal, code, signal, onEvent, record, approver }: Execution): Promise<ExecutionResult> {
  const release = gateway.enter(session);
  if (!release) return refusal('SERVER_BUSY', 'Too many scripts are running at once. Wait for one to finish, then try again.');
  try {
    const admitted = await gateway.admit(principal);
    if (!('release' in admitted)) return admitted;
    try {
      return await gateway.open.enclave.run(code, {
        signal,
        toolHandler: gateway.open.bridge.handlerFor({
          ...(approver ? { approver } : {}),
          // `unattended` names manifest principals; the operator is none of them (only "*" covers it).
          ...(principal === OPERATOR_PRINCIPAL ? {} : { principal: principal.name }),
          ...(principal.allows ? { allows: principal.allows } : {}),
        }),
        onEvent,
        ...(record ? { record } : {}),
        ...(principal.securityLevel ? { securityLevel: principal.securityLevel } : {}),
        ...(principal.limits ? { limits: principal.limits } : {}),
      });
    } finally {
      admitted.release();
    }
  } finally {
    release();
  }
}

export function refusal(code: ErrorCode, message: string): ExecutionResult {
  return { success: false, error: { code, message }, logs: [], stats: { durationMs: 0, toolCalls: 0, iterations: 0 } };
}

/**
 * With a progress token, every event streams on the request's own stream as it happens: a line for people in
 * `message`, and the event itself as data in `_meta` for programs (the client library, the playground's timeline).
 */
function streamer(extra: Extra, wanted: (level: LoggingLevel) => boolean): ((event: ExecutionEvent) => void) | undefined {
  const token = extra._meta?.progressToken;
  let progress = 0;
  const send = (notification: ServerNotification): void => {
    extra.sendNotification(notification).catch(() => undefined); // a client gone mid-run is not our error
  };
  return (event) => {
    if (event.type === 'log' && wanted(LOG_LEVELS[event.level])) {
      send({ method: 'notifications/message', params: { level: LOG_LEVELS[event.level], logger: 'agentscript', data: event.message } });
    }
    // 'started' is the operators' queue-wait metric, not news for the client (test/mcp/metrics.test.ts).
    if (token === undefined || event.type === 'started') return;
    send({
      method: 'notifications/progress',
      params: { progressToken: token, progress: ++progress, message: eventLine(event), _meta: { [EVENT_META_KEY]: event } },
    });
  };
}

function eventLine(event: Exclude<ExecutionEvent, { type: 'started' }>): string {
  switch (event.type) {
    case 'log':
      return `console.${event.level}: ${event.message.slice(0, 500)}`;
    case 'tool-call-start':
      return `callTool ${event.tool} started`;
    case 'tool-call-end':
      return `callTool ${event.tool} ${event.ok ? 'done' : `failed (${event.code ?? 'error'})`} in ${Math.round(event.durationMs)} ms`;
  }
}

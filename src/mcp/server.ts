// The MCP face of enclave-mcp: execute_agentscript and search_tools over one shared enclave and tool bridge.
// One McpServer per client session (the SDK binds a server to one transport); all of them share a Gateway.
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ERROR_CODES, type ExecutionEvent, type ExecutionResult } from '../enclave/index.js';
import type { OpenManifest } from '../tool-bridge/open.js';
import { elicitationApprover } from './approval.js';
import { describeExecute } from './description.js';
import { formatResult } from './format.js';
import { renderSearch, SEARCH_DETAILS, searchTools } from './search.js';

export const SERVER_INFO = { name: 'enclave-mcp', version: '0.1.0' };

export interface GatewayOptions {
  /**
   * Executions admitted at once across all sessions; beyond it, SERVER_BUSY (default 128). Admitted ones beyond
   * what the sandbox workers run at once wait in the enclave's queue, so a burst is served rather than refused.
   */
  maxConcurrent?: number;
  /** Executions admitted at once for one session (default 32), so one client cannot take every slot. */
  maxPerSession?: number;
}

const ResultSchema = z.object({
  success: z.boolean(),
  value: z.unknown().optional().describe('The script’s return value (JSON).'),
  error: z
    .object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      issues: z.array(z.object({ rule: z.string(), message: z.string(), line: z.number(), column: z.number() })).optional(),
      tool: z.string().optional(),
      line: z.number().optional(),
      column: z.number().optional(),
    })
    .optional(),
  logs: z.array(z.object({ level: z.string(), message: z.string() })),
  stats: z.object({ durationMs: z.number(), toolCalls: z.number(), iterations: z.number() }),
  score: z.number().optional(),
});

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
const LOG_LEVELS = { log: 'info', info: 'info', warn: 'warning', error: 'error' } as const;

/** What every session shares: the live manifest, the concurrency bounds, and the sessions to notify. */
export class Gateway {
  readonly open: OpenManifest;
  private readonly maxConcurrent: number;
  private readonly maxPerSession: number;
  private running = 0;
  private readonly perSession = new Map<string, number>();
  private readonly executeTools = new Set<RegisteredTool>();
  private readonly servers = new Set<McpServer>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribeWarnings: () => void;

  constructor(open: OpenManifest, options: GatewayOptions = {}) {
    this.open = open;
    this.maxConcurrent = options.maxConcurrent ?? 128;
    this.maxPerSession = options.maxPerSession ?? 32;
    // A changed downstream catalog changes our description: each session's tool is updated, and the SDK then
    // sends notifications/tools/list_changed so clients read it again.
    let last = this.description();
    this.unsubscribe = open.bridge.onToolsChanged(() => {
      const description = this.description();
      if (description === last) return; // a reconnect with the same tools is no news to clients
      last = description;
      for (const tool of this.executeTools) tool.update({ description });
    });
    // What the bridge warns about (a pinned tool changed) is news for every client, not only for our stderr.
    this.unsubscribeWarnings = open.bridge.onWarning((message) => {
      for (const server of this.servers) {
        if (!server.isConnected()) continue;
        server.server.sendLoggingMessage({ level: 'warning', logger: 'enclave-mcp', data: message }).catch(() => undefined);
      }
    });
  }

  description(): string {
    return describeExecute(this.open.enclave.securityLevel, this.open.enclave.limits, this.open.bridge.tools);
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

  register(server: McpServer, tool: RegisteredTool): () => void {
    this.executeTools.add(tool);
    this.servers.add(server);
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

/** A new McpServer for one session. `session` keys the per-session bound (stateless: one per request). */
export function createMcpServer(gateway: Gateway, session = 'stdio'): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { logging: {}, tools: { listChanged: true } } });
  const execute = server.registerTool(
    'execute_agentscript',
    {
      title: 'Run an AgentScript program',
      description: gateway.description(),
      inputSchema: { code: z.string().describe('The AgentScript program: the body of an async function.') },
      outputSchema: ResultSchema.shape,
      // It calls downstream tools that may write and reach the outside world.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ code }, extra) => {
      const release = gateway.enter(session);
      const approver = elicitationApprover(server.server, extra);
      const result: ExecutionResult = release
        ? await gateway.open.enclave
            .run(code, {
              signal: extra.signal,
              toolHandler: gateway.open.bridge.handlerFor(approver ? { approver } : {}),
              onEvent: streamer(extra, (level) => LoggingLevelSchema.options.indexOf(level) >= minimum),
            })
            .finally(release)
        : busy();
      return {
        content: [{ type: 'text', text: formatResult(result) }],
        structuredContent: result as unknown as Record<string, unknown>, // ExecutionResult is JSON by contract
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
  const unregister = gateway.register(server, execute);
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
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ query, detail }) => ({
      content: [{ type: 'text', text: renderSearch(searchTools(gateway.open.bridge.tools, query), detail ?? 'summary') }],
    }),
  );
  return server;
}

function busy(): ExecutionResult {
  return {
    success: false,
    error: { code: 'SERVER_BUSY', message: 'Too many scripts are running at once. Wait for one to finish, then try again.' },
    logs: [],
    stats: { durationMs: 0, toolCalls: 0, iterations: 0 },
  };
}

/** With a progress token, tool calls and console lines stream on the request's own stream as they happen. */
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
    if (token === undefined) return;
    const message =
      event.type === 'log'
        ? `console.${event.level}: ${event.message.slice(0, 500)}`
        : event.type === 'tool-call-start'
          ? `callTool ${event.tool} started`
          : `callTool ${event.tool} ${event.ok ? 'done' : `failed (${event.code ?? 'error'})`} in ${Math.round(event.durationMs)} ms`;
    send({ method: 'notifications/progress', params: { progressToken: token, progress: ++progress, message } });
  };
}

// One downstream MCP server as the bridge sees it: a client connection that comes up with a timeout, knows
// the server's tools (all pages, refreshed on list_changed), reconnects with backoff when it drops, and turns
// every way a call can fail into a ToolCallError the script can read.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../shared/index.js';
import { callError, firstLine, serverUnavailable } from './call-errors.js';
import { listAllTools, newClient } from './downstream-client.js';

export type ServerState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

export interface DownstreamOptions {
  /** The manifest's name for the server (the `server` of `server:tool`). */
  name: string;
  /** Makes a fresh transport for each connection attempt. */
  transport: () => Transport;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Called after the tool list changed (a list_changed notification, a reconnect, or the server dropping). */
  onToolsChanged?: () => void;
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Takes secrets out of a transport's error text before it becomes `reason` or a log line (a spawn error quotes the command). */
  redact?: (text: string) => string;
}

/** A line of a server's stderr that reads like the reason it failed. */
const ERROR_LINE = /\b(error|cannot|can't|failed|fatal|exception|denied|refused|not found|missing|invalid|ENOENT|EACCES|EADDRINUSE)\b/i;

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/**
 * Owns its connections, and through their transports the child processes of a stdio server: close() (or disposing it)
 * ends the live one and any attempt still in flight.
 */
export class DownstreamServer implements AsyncDisposable {
  readonly name: string;
  private readonly options: DownstreamOptions;
  private client: Client | undefined;
  /** The client of a connection attempt in flight (its process is spawned, its handshake not done). */
  private attempt: Client | undefined;
  private current: Transport | undefined;
  private toolList: readonly Tool[] = [];
  private status: ServerState = 'idle';
  private problem = 'not connected yet';
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** Connections the SDK reset because the server sent a message larger than it reads (see callError). */
  private readonly oversized = new WeakSet<Client>();

  constructor(options: DownstreamOptions) {
    this.name = options.name;
    this.options = options;
  }

  get state(): ServerState {
    return this.status;
  }

  /** Read through a getter so TypeScript does not narrow it across awaits, where close() may change it. */
  private get closed(): boolean {
    return this.status === 'closed';
  }

  /** The tools the server listed last; kept while it is down so callers can tell "down" from "unknown". */
  get tools(): readonly Tool[] {
    return this.toolList;
  }

  /** Resolves once a tool-list refresh in flight (after list_changed) is done; at once when none is. */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  /** Why the server is not ready, for messages. */
  get reason(): string {
    return this.problem;
  }

  /** Connects once; on failure, keeps retrying in the background. Resolves true when connected. */
  async start(): Promise<boolean> {
    if (this.status !== 'idle') return this.status === 'ready';
    return this.connect();
  }

  async callTool(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const client = this.client;
    if (this.status !== 'ready' || !client) {
      throw serverUnavailable(this.name, this.problem);
    }
    const timeout = this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    // The SDK adds an abort listener per request and never removes it; one signal per call, linked to the
    // execution's, keeps a script's many calls from piling listeners on its one signal.
    const call = new AbortController();
    const forward = (): void => call.abort(signal?.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    try {
      // The SDK sends notifications/cancelled downstream when the signal aborts or the timeout passes.
      return (await client.callTool({ name: tool, arguments: args }, undefined, { signal: call.signal, timeout })) as CallToolResult;
    } catch (error) {
      throw callError(this.name, tool, error, timeout, signal, this.oversized.has(client));
    } finally {
      signal?.removeEventListener('abort', forward);
    }
  }

  async close(): Promise<void> {
    this.status = 'closed';
    this.problem = 'closed';
    clearTimeout(this.retryTimer);
    const clients = [this.client, this.attempt];
    this.client = undefined;
    this.attempt = undefined;
    this.current = undefined;
    // An attempt in flight is closed too, not left to finish its handshake (up to connectTimeoutMs) first.
    await Promise.all(clients.map((client) => client?.close().catch(() => undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async connect(): Promise<boolean> {
    this.status = 'connecting';
    const client = newClient();
    this.attempt = client;
    const transport = this.options.transport();
    const timeout = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
      });
      await Promise.race([client.connect(transport, { timeout }), timedOut]);
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void this.refreshTools());
      client.onerror = (error) => {
        if (/ReadBuffer exceeded maximum size/.test(error.message)) this.oversized.add(client);
      };
      const tools = await Promise.race([listAllTools(client, timeout), timedOut]);
      if (this.closed) {
        await client.close().catch(() => undefined);
        return false;
      }
      // Only now does a close mean "lost": a failed attempt is handled below, not by onclose.
      client.onclose = () => this.lost(client);
      this.client = client;
      this.current = transport;
      this.toolList = tools;
      if (this.attempts > 0) log.info(`downstream server "${this.name}" is connected again`);
      this.status = 'ready';
      this.problem = '';
      this.attempts = 0;
      this.options.onToolsChanged?.();
      return true;
    } catch (error) {
      await client.close().catch(() => undefined);
      if (this.closed) return false;
      this.problem = `could not connect: ${this.redact(firstLine(error instanceof Error ? error.message : String(error)))}${this.said(transport)}`;
      // One warning per outage, not one per retry.
      if (this.attempts === 0) log.warn(`downstream server "${this.name}" ${this.problem}; retrying in the background`);
      this.scheduleReconnect();
      return false;
    } finally {
      clearTimeout(timer);
      if (this.attempt === client) this.attempt = undefined;
    }
  }

  private lost(client: Client): void {
    if (this.client !== client || this.status === 'closed') return;
    const transport = this.current;
    this.client = undefined;
    this.current = undefined;
    this.status = 'down';
    this.problem = `the connection was lost${this.said(transport)}`;
    log.warn(`downstream server "${this.name}" disconnected (${this.problem}); reconnecting`);
    this.options.onToolsChanged?.();
    this.scheduleReconnect();
  }

  /**
   * What a stdio server said on stderr before it failed (redacted): its last line that reads like an error (a crash
   * ends with lines such as "Node.js v20"), else its last line; nothing when it wrote nothing.
   */
  private said(transport: Transport | undefined): string {
    const tail = (transport as { stderrTail?: () => string } | undefined)?.stderrTail?.() ?? '';
    const lines = tail
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const line = lines.filter((l) => ERROR_LINE.test(l)).at(-1) ?? lines.at(-1);
    return line ? `; its stderr said: ${this.redact(line.slice(0, 300))}` : '';
  }

  private scheduleReconnect(): void {
    if (this.status === 'closed') return;
    this.status = 'down';
    const base = this.options.backoffMs ?? 250;
    const delay = Math.min(base * 2 ** this.attempts, this.options.maxBackoffMs ?? 30_000);
    this.attempts++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref(); // a server that is down must not keep the process alive
  }

  /** Coalesces bursts of list_changed: one refresh at a time, one more if a change came in during it. */
  private async refreshTools(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const client = this.client;
        if (!client) return;
        try {
          this.toolList = await listAllTools(client, this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
          this.options.onToolsChanged?.();
        } catch (error) {
          log.warn(
            `downstream server "${this.name}": refreshing its tools failed: ${this.redact(firstLine(error instanceof Error ? error.message : String(error)))}`,
          );
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }

  /** The transport of the live connection, for tests that need to see the child process. */
  get transport(): Transport | undefined {
    return this.current;
  }
}

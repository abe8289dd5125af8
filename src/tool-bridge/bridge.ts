// The tool bridge: the manifest's downstream servers behind one ToolHandler for the enclave. Only allowed
// tools exist for a script; arguments are checked before anything is sent; results come back as plain data
// with the manifest's secrets taken out.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Redactor, ToolCallError, type JsonObject, type JsonValue, type ToolCallContext, type ToolHandler } from '../enclave/index.js';
import { Allowlist } from './allowlist.js';
import { serverUnavailable } from './call-errors.js';
import { compileArgsValidator, type ArgsValidator } from './arguments.js';
import { DownstreamServer } from './downstream.js';
import type { Manifest, ServerConfig } from './manifest.js';
import { normalizeResult } from './results.js';
import { createTransport } from './transports.js';
import type { DownstreamTool } from './types.js';

export interface BridgeOptions {
  /** Strings that must never reach a script, a result or a log (the manifest's ${env:…} values). */
  secrets?: readonly string[];
  /** Replaces the transport of a server (tests use the in-memory pair); defaults to the manifest's. */
  transportFor?: (name: string, config: ServerConfig) => Transport;
  /** Reconnect backoff of downstream servers (tests shorten it). */
  backoffMs?: number;
}

export class ToolBridge {
  private readonly servers = new Map<string, DownstreamServer>();
  private readonly allowlist: Allowlist;
  private readonly redactor: Redactor;
  private readonly validators = new Map<Tool, ArgsValidator>();
  private readonly listeners = new Set<() => void>();
  private catalog: DownstreamTool[] = [];

  private constructor(manifest: Manifest, options: BridgeOptions) {
    this.allowlist = new Allowlist(manifest.allow, manifest.deny);
    this.redactor = new Redactor(options.secrets ?? [], []);
    for (const [name, config] of Object.entries(manifest.servers)) {
      const transport = options.transportFor ? () => options.transportFor!(name, config) : () => createTransport(config);
      this.servers.set(
        name,
        new DownstreamServer({
          name,
          transport,
          ...(config.connectTimeoutMs !== undefined ? { connectTimeoutMs: config.connectTimeoutMs } : {}),
          ...(config.callTimeoutMs !== undefined ? { callTimeoutMs: config.callTimeoutMs } : {}),
          ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
          onToolsChanged: () => this.rebuildCatalog(),
          redact: (text) => this.redactor.text(text),
        }),
      );
    }
  }

  /** Connects to every server at once. A server that cannot connect is retried in the background. */
  static async start(manifest: Manifest, options: BridgeOptions = {}): Promise<ToolBridge> {
    const bridge = new ToolBridge(manifest, options);
    await Promise.all([...bridge.servers.values()].map((server) => server.start()));
    bridge.rebuildCatalog();
    return bridge;
  }

  /** The allowed tools of the servers that are up, sorted by name. */
  get tools(): readonly DownstreamTool[] {
    return this.catalog;
  }

  /** Servers that are configured but not connected, with the reason (for startup warnings and health). */
  get unavailable(): { server: string; reason: string }[] {
    return [...this.servers.values()].filter((s) => s.state !== 'ready').map((s) => ({ server: s.name, reason: s.reason }));
  }

  /** Called whenever the allowed catalog may have changed; returns the unsubscribe function. */
  onToolsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readonly toolHandler: ToolHandler = async (name: string, args: JsonObject, context: ToolCallContext) => {
    try {
      return await this.call(name, args, context.signal);
    } catch (error) {
      // Downstream errors can quote anything, including a secret the manifest gave that server.
      if (error instanceof ToolCallError) throw new ToolCallError(error.code, this.redactor.message(error.message));
      throw new ToolCallError('TOOL_ERROR', this.redactor.message(error instanceof Error ? error.message : String(error)));
    }
  };

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([...this.servers.values()].map((server) => server.close()));
  }

  private async call(name: string, args: JsonObject, signal: AbortSignal): Promise<unknown> {
    const colon = name.indexOf(':');
    const server = colon > 0 ? this.servers.get(name.slice(0, colon)) : undefined;
    // Denied, unlisted and non-existent tools all get the same answer: nothing about them may leak.
    if (!server || !this.allowlist.isAllowed(name)) throw this.unknown(name);
    const toolName = name.slice(colon + 1);
    let tool = server.tools.find((t) => t.name === toolName);
    if (!tool) {
      // A tool the server just added (list_changed, refresh still in flight) is callable right away.
      await server.settled();
      tool = server.tools.find((t) => t.name === toolName);
    }
    if (server.state !== 'ready' && (tool || server.tools.length === 0)) {
      throw serverUnavailable(server.name, server.reason);
    }
    if (!tool) throw this.unknown(name);
    this.validatorFor(tool, name)(args);
    const result = await server.callTool(toolName, args, signal);
    // Twice: before normalizing, while a secret is still the text the server sent (normalizing parses JSON text, so
    // a secret that is a number or a JSON document would become a number or an object no string pass can match);
    // after, for a secret written with JSON escapes in that text.
    return this.redact(normalizeResult(this.redact(result), { tool: name }));
  }

  /** Tool results and schemas are JSON from the SDK's parser: the enclave's Redactor walks them as they are. */
  private redact(value: unknown): JsonValue {
    return this.redactor.value(value as JsonValue);
  }

  /**
   * What the model reads about a tool. A server's own texts and schemas can quote its environment (a server
   * that describes its configuration), and that environment holds the manifest's secrets: redacted like results.
   */
  private describe(server: string, qualifiedName: string, tool: Tool): DownstreamTool {
    return {
      qualifiedName,
      server,
      name: tool.name,
      ...(tool.title ? { title: this.redactor.text(tool.title) } : {}),
      ...(tool.description ? { description: this.redactor.text(tool.description) } : {}),
      inputSchema: this.redact(tool.inputSchema) as JsonObject,
      ...(tool.outputSchema ? { outputSchema: this.redact(tool.outputSchema) as JsonObject } : {}),
    };
  }

  private unknown(name: string): ToolCallError {
    const suggestions = this.allowlist.suggest(
      name,
      this.catalog.map((t) => t.qualifiedName),
    );
    const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
    return new ToolCallError('UNKNOWN_TOOL', `There is no tool '${name}'.${hint} Call only the tools listed in the declarations, as 'server:tool'.`);
  }

  private validatorFor(tool: Tool, name: string): ArgsValidator {
    let validate = this.validators.get(tool);
    if (!validate) {
      validate = compileArgsValidator(tool.inputSchema as JsonObject, { tool: name });
      this.validators.set(tool, validate);
    }
    return validate;
  }

  private rebuildCatalog(): void {
    const catalog: DownstreamTool[] = [];
    const live = new Set<Tool>();
    for (const server of this.servers.values()) {
      if (server.state !== 'ready') continue;
      for (const tool of server.tools) {
        const qualifiedName = `${server.name}:${tool.name}`;
        if (!this.allowlist.isAllowed(qualifiedName)) continue;
        live.add(tool);
        catalog.push(this.describe(server.name, qualifiedName, tool));
      }
    }
    for (const tool of this.validators.keys()) if (!live.has(tool)) this.validators.delete(tool);
    catalog.sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    this.catalog = catalog;
    for (const listener of this.listeners) listener();
  }
}

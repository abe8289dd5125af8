// The tool bridge: the manifest's downstream servers behind one ToolHandler for the enclave. Only allowed
// tools exist for a script; arguments are checked before anything is sent; results come back as plain data
// with the manifest's secrets taken out.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolCallError, type JsonObject, type JsonValue, type ToolCallContext, type ToolHandler } from '../enclave/index.js';
import { log, Redactor } from '../shared/index.js';
import { Allowlist } from './allowlist.js';
import { CallGate, type Caller } from './call-gate.js';
import { serverUnavailable } from './call-errors.js';
import { compileArgsValidator, type ArgsValidator } from './arguments.js';
import { DownstreamServer } from './downstream.js';
import type { Manifest, ServerConfig } from './manifest.js';
import { checkPin, pinOf } from './pins.js';
import { ToolPolicy } from './policy.js';
import { normalizeResult } from './results.js';
import { sanitizeTool } from './tool-text.js';
import { createTransport } from './transports.js';
import type { DownstreamTool, WithheldTool } from './types.js';

export interface BridgeOptions {
  /** Strings that must never reach a script, a result or a log (the manifest's ${env:…} values). */
  secrets?: readonly string[];
  /** Replaces the transport of a server (tests use the in-memory pair); defaults to the manifest's. */
  transportFor?: (name: string, config: ServerConfig) => Transport;
  /** Reconnect backoff of downstream servers (tests shorten it). */
  backoffMs?: number;
}

/** Owns its downstream servers: close() (or disposing it) closes every one, and their child processes end with them. */
export class ToolBridge implements AsyncDisposable {
  private readonly servers = new Map<string, DownstreamServer>();
  private readonly allowlist: Allowlist;
  private readonly redactor: Redactor;
  private readonly validators = new Map<Tool, ArgsValidator>();
  private readonly listeners = new Set<() => void>();
  private readonly warningListeners = new Set<(message: string) => void>();
  private readonly policy: ToolPolicy;
  private readonly pins: Readonly<Record<string, string>> | undefined;
  private readonly pinNewTools: boolean;
  /** Per-execution policy state, keyed by ToolCallContext.run: it ends with the run. */
  private readonly gates = new WeakMap<object, CallGate>();
  private catalog: DownstreamTool[] = [];
  /** The catalog by qualified name. */
  private offered = new Map<string, DownstreamTool>();
  private withheldTools: WithheldTool[] = [];
  /** Flagged tool texts already warned about (tool and flags), so a refresh does not repeat them. */
  private readonly flagged = new Set<string>();

  private constructor(manifest: Manifest, options: BridgeOptions) {
    this.allowlist = new Allowlist(manifest.allow, manifest.deny);
    this.policy = new ToolPolicy(manifest);
    this.pins = manifest.pins;
    this.pinNewTools = manifest.pinNewTools;
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
    try {
      await Promise.all([...bridge.servers.values()].map((server) => server.start()));
      bridge.rebuildCatalog();
    } catch (error) {
      await bridge.close(); // nobody else holds it yet: its processes must not outlive the failure
      throw error;
    }
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

  /**
   * Allowed tools that are not offered because of the manifest's pins: their definition changed since it was pinned,
   * or they are new and unpinned. Their texts are not kept here: a changed description is what must not reach anyone.
   */
  get withheld(): readonly WithheldTool[] {
    return this.withheldTools;
  }

  /**
   * Every allowed tool of the servers that are up, withheld ones included, with its pin: what `tools --pin` pins and
   * shows (the person pinning is the one who reviews the texts).
   */
  pinnable(): { pins: Record<string, string>; tools: DownstreamTool[] } {
    const pins: Record<string, string> = {};
    const tools: DownstreamTool[] = [];
    for (const server of this.servers.values()) {
      if (server.state !== 'ready') continue;
      for (const tool of server.tools) {
        const name = `${server.name}:${tool.name}`;
        if (!this.allowlist.isAllowed(name)) continue;
        pins[name] = pinOf(tool);
        tools.push(this.describe(server.name, name, tool));
      }
    }
    tools.sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    return { pins, tools };
  }

  /** Warnings meant for the people watching (a pinned tool changed): also logged on stderr. Returns the unsubscribe function. */
  onWarning(listener: (message: string) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  /** Called whenever the allowed catalog may have changed; returns the unsubscribe function. */
  onToolsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The tool handler for executions of `caller` (who can be asked for approval, and who they are). Every handler of
   * this bridge enforces the whole policy; per-execution state is keyed by the run, not by the handler.
   */
  handlerFor(caller: Caller): ToolHandler {
    return async (name: string, args: JsonObject, context: ToolCallContext) => {
      try {
        return await this.call(name, args, context, caller);
      } catch (error) {
        // Downstream errors can quote anything, including a secret the manifest gave that server.
        if (error instanceof ToolCallError) throw new ToolCallError(error.code, this.redactor.message(error.message));
        throw new ToolCallError('TOOL_ERROR', this.redactor.message(error instanceof Error ? error.message : String(error)));
      }
    };
  }

  /** The handler for callers nobody can ask: approval-needing calls are refused. */
  readonly toolHandler: ToolHandler = this.handlerFor({});

  async close(): Promise<void> {
    this.listeners.clear();
    this.warningListeners.clear();
    await Promise.all([...this.servers.values()].map((server) => server.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async call(name: string, args: JsonObject, context: ToolCallContext, caller: Caller): Promise<unknown> {
    const { signal } = context;
    const colon = name.indexOf(':');
    const server = colon > 0 ? this.servers.get(name.slice(0, colon)) : undefined;
    // Denied, unlisted and non-existent tools all get the same answer: nothing about them may leak.
    if (!server || !this.allowlist.isAllowed(name) || (caller.allows && !caller.allows(name))) throw this.unknown(name, caller);
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
    if (!tool) throw this.unknown(name, caller);
    // Checked at the call, not only when the catalog was built: the definition may have changed since.
    const withheld = this.withheldReason(name, tool);
    if (withheld) throw this.withheldError(name, withheld);
    this.validatorFor(tool, name)(args);
    const gate = this.gateFor(context.run);
    // The person is shown the description the model reads (sanitized and redacted when the catalog was built).
    const shown = this.offered.get(name)?.description;
    await gate.before(name, { annotations: tool.annotations, ...(shown ? { description: shown } : {}) }, args, caller, context, () => this.redact(args));
    let value: JsonValue;
    try {
      const result = await server.callTool(toolName, args, signal);
      // Twice: before normalizing, while a secret is still the text the server sent (normalizing parses JSON text,
      // so a secret that is a number or a JSON document would become a number or an object no string pass can
      // match); after, for a secret written with JSON escapes in that text. An isError result throws here.
      value = this.redact(normalizeResult(this.redact(result), { tool: name }));
    } catch (error) {
      gate.after(name, error instanceof Error ? error.message : String(error)); // an error can quote the data it read
      throw error;
    }
    gate.after(name, value);
    return value;
  }

  private gateFor(run: object): CallGate {
    let gate = this.gates.get(run);
    if (!gate) {
      gate = new CallGate(this.policy);
      this.gates.set(run, gate);
    }
    return gate;
  }

  /** Why the manifest's pins keep this tool from the model, if they do: its definition changed, or it is new. */
  private withheldReason(name: string, tool: Tool): WithheldTool['reason'] | undefined {
    const { status } = checkPin(this.pins, name, tool);
    return status === 'changed' || (status === 'unpinned' && this.pinNewTools) ? status : undefined;
  }

  private withheldError(name: string, status: WithheldTool['reason']): ToolCallError {
    const why =
      status === 'changed'
        ? `its definition changed since it was pinned (the manifest's pins), so it is withheld until someone reviews the change and pins it again (\`enclave-mcp tools --pin\`)`
        : "it is new since the manifest's tools were pinned, so it is withheld until someone reviews and pins it (`enclave-mcp tools --pin`)";
    return new ToolCallError('POLICY_BLOCKED', `${name} cannot be called: ${why}. Use the other tools, or return what you needed as the result.`);
  }

  /** Tool results and schemas are JSON from the SDK's parser: the enclave's Redactor walks them as they are. */
  private redact(value: unknown): JsonValue {
    return this.redactor.value(value as JsonValue);
  }

  /**
   * What the model reads about a tool. A server's own texts and schemas can quote its environment (a server
   * that describes its configuration), and that environment holds the manifest's secrets: redacted like results.
   */
  private describe(server: string, qualifiedName: string, raw: Tool): DownstreamTool {
    // Tool texts are data, not instructions: control, BiDi and invisible characters out, lengths capped, and what
    // looks like an injection flagged (for `tools` and the log), before the model ever reads them.
    const { tool, flags } = sanitizeTool(raw);
    return {
      qualifiedName,
      server,
      name: tool.name,
      ...(tool.title ? { title: this.redactor.text(tool.title) } : {}),
      ...(tool.description ? { description: this.redactor.text(tool.description) } : {}),
      inputSchema: this.redact(tool.inputSchema) as JsonObject,
      ...(tool.outputSchema ? { outputSchema: this.redact(tool.outputSchema) as JsonObject } : {}),
      ...(flags.length ? { flags: flags.map((f) => this.redactor.text(`${f.where}: ${f.reason}`)) } : {}),
    };
  }

  private unknown(name: string, caller: Caller): ToolCallError {
    const { allows } = caller;
    const suggestions = this.allowlist.suggest(
      name,
      this.catalog.map((t) => t.qualifiedName).filter((n) => !allows || allows(n)), // "did you mean" among its own tools only
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
    const withheld: WithheldTool[] = [];
    const live = new Set<Tool>();
    for (const server of this.servers.values()) {
      if (server.state !== 'ready') continue;
      for (const tool of server.tools) {
        const qualifiedName = `${server.name}:${tool.name}`;
        if (!this.allowlist.isAllowed(qualifiedName)) continue;
        live.add(tool);
        const reason = this.withheldReason(qualifiedName, tool);
        if (reason) withheld.push({ qualifiedName, reason });
        else catalog.push(this.describe(server.name, qualifiedName, tool));
      }
    }
    for (const tool of this.validators.keys()) if (!live.has(tool)) this.validators.delete(tool);
    catalog.sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    withheld.sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    this.warnWithheld(withheld);
    for (const tool of catalog) {
      const key = `${tool.qualifiedName} ${tool.flags?.join('; ')}`;
      if (!tool.flags?.length || this.flagged.has(key)) continue;
      this.flagged.add(key);
      log.warn(`tool ${tool.qualifiedName}: its texts look like instructions to the model (${tool.flags.join('; ')}); it is offered, with its texts sanitized`);
    }
    this.catalog = catalog;
    this.offered = new Map(catalog.map((t) => [t.qualifiedName, t]));
    this.withheldTools = withheld;
    for (const listener of this.listeners) listener();
  }

  /** One warning per tool that newly became withheld (a reconnect with the same tools says nothing again). */
  private warnWithheld(now: readonly WithheldTool[]): void {
    const before = new Set(this.withheldTools.map((w) => `${w.qualifiedName} ${w.reason}`));
    for (const w of now) {
      if (before.has(`${w.qualifiedName} ${w.reason}`)) continue;
      const message =
        w.reason === 'changed'
          ? `tool ${w.qualifiedName} is withheld: its definition changed since it was pinned. Review it (enclave-mcp tools), then pin it again (enclave-mcp tools --pin).`
          : `tool ${w.qualifiedName} is withheld: it is new and not pinned. Review it (enclave-mcp tools), then pin it (enclave-mcp tools --pin), or set "pinNewTools": false.`;
      log.warn(message);
      for (const listener of this.warningListeners) listener(message);
    }
  }
}

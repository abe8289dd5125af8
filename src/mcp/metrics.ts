// Prometheus metrics (prom-client) in a registry of our own, never the global one: what executions did, counted as
// each one finishes (the gateway's observer), and what the server holds now (pool, sessions, downstream servers),
// read from the gateway at each scrape. Every label value comes from a bounded set: error codes, the manifest's
// principals and servers, the catalog's tool names. Nothing a script or a client chooses becomes a label.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES } from '../enclave/index.js';
import type { DownstreamTool } from '../tool-bridge/types.js';
import type { ExecutionObserver, ExecutionRecord, Gateway } from './server.js';

/** The tool label of a name outside the catalog: a script may call any name it makes up, and each would be a new series. */
export const UNKNOWN_TOOL_LABEL = '(unknown)';

/** Seconds. Scripts take from a millisecond (a refusal) to the PERMISSIVE deadline (60 s). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds. Normally a worker is free at once; a burst beyond the pool waits for the scripts ahead of it. */
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** "ok", or the error code; a code outside the contract's list (a bug) is counted as INTERNAL_ERROR, not as a new series. */
const outcome = (ok: boolean, code: string | undefined): string => (ok ? 'ok' : code !== undefined && CODES.has(code) ? code : 'INTERNAL_ERROR');

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC) beside ours (default true). */
  processMetrics?: boolean;
}

export class Metrics implements ExecutionObserver {
  readonly registry = new Registry();
  private gateway: Gateway | undefined;
  private readonly executions: Counter<'code' | 'principal'>;
  private readonly duration: Histogram<'principal'>;
  private readonly queueWait: Histogram;
  private readonly toolCalls: Counter<'tool' | 'outcome'>;
  /** The catalog as a set, rebuilt only when the bridge replaces its catalog. */
  private known: { catalog: readonly DownstreamTool[]; names: ReadonlySet<string> } | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.executions = new Counter({
      name: 'enclave_executions_total',
      help: 'Executions of execute_agentscript that ended, by outcome ("ok" or the error code) and principal.',
      labelNames: ['code', 'principal'],
      registers,
    });
    this.duration = new Histogram({
      name: 'enclave_execution_duration_seconds',
      help: 'How long executions took, from admission to result (refusals included).',
      labelNames: ['principal'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'enclave_queue_wait_seconds',
      help: 'How long executions waited for a sandbox worker.',
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.toolCalls = new Counter({
      name: 'enclave_tool_calls_total',
      help: `Tool calls made by scripts, by tool (${UNKNOWN_TOOL_LABEL} for names outside the catalog) and outcome ("ok" or the error code).`,
      labelNames: ['tool', 'outcome'],
      registers,
    });
    const workers: Gauge<'state'> = new Gauge({
      name: 'enclave_pool_workers',
      help: 'Sandbox worker threads by state: busy (running an execution), idle, or starting.',
      labelNames: ['state'],
      registers,
      collect: () => {
        const stats = this.gateway?.open.enclave.stats;
        if (!stats) return;
        workers.set({ state: 'busy' }, stats.running);
        workers.set({ state: 'starting' }, stats.starting);
        workers.set({ state: 'idle' }, Math.max(0, stats.workers - stats.starting - stats.running));
      },
    });
    const queue: Gauge = new Gauge({
      name: 'enclave_pool_queue_depth',
      help: 'Executions waiting for a sandbox worker.',
      registers,
      collect: () => this.gateway && queue.set(this.gateway.open.enclave.stats.queued),
    });
    const sessions: Gauge = new Gauge({
      name: 'enclave_sessions',
      help: 'MCP sessions connected (stdio, each HTTP session, each stateless request while it runs).',
      registers,
      collect: () => this.gateway && sessions.set(this.gateway.sessions),
    });
    const up: Gauge<'server'> = new Gauge({
      name: 'enclave_downstream_up',
      help: "Whether each of the manifest's downstream servers is connected (1) or not (0).",
      labelNames: ['server'],
      registers,
      collect: () => {
        if (!this.gateway) return;
        const { manifest, bridge } = this.gateway.open;
        const down = new Set(bridge.unavailable.map((u) => u.server));
        for (const server of Object.keys(manifest.servers)) up.set({ server }, down.has(server) ? 0 : 1);
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The gateway whose pool, sessions, servers and catalog the gauges and tool labels read. */
  watch(gateway: Gateway): void {
    this.gateway = gateway;
  }

  executionFinished(record: ExecutionRecord): void {
    const { result, principal } = record;
    this.executions.inc({ code: outcome(result.success, result.error?.code), principal });
    this.duration.observe({ principal }, result.stats.durationMs / 1000);
    if (record.queuedMs !== undefined) this.queueWait.observe(record.queuedMs / 1000);
    for (const call of record.toolCalls) {
      const tool = this.catalogNames().has(call.tool) ? call.tool : UNKNOWN_TOOL_LABEL;
      this.toolCalls.inc({ tool, outcome: outcome(call.ok, call.code) });
    }
  }

  /** The registry in Prometheus text format, with the content type that says which. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private catalogNames(): ReadonlySet<string> {
    const catalog = this.gateway?.open.bridge.tools ?? [];
    if (this.known?.catalog !== catalog) this.known = { catalog, names: new Set(catalog.map((t) => t.qualifiedName)) };
    return this.known.names;
  }
}

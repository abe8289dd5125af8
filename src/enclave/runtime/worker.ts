// Worker thread entry: one execution at a time. It checks and transforms the script (stages 1–4 run here, off
// the host's main thread), runs it on a sandbox prepared while the worker was idle, and answers tool results and
// cancellations. Only JSON strings cross in either direction.
import { parentPort, workerData } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { levelAllows } from '../policy.js';
import { compile } from '../pipeline.js';
import { CallPolicy } from './call-policy.js';
import { ModulePool, useCompiledModule } from './module-pool.js';
import { ToWorkerSchema, type RunMessage, type ToMain } from './messages.js';
import { kindKey, PreparedSandbox, type SandboxKind } from './prepared.js';
import { SandboxExecution } from './sandbox.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const shared = (workerData as { wasmModule?: unknown } | null)?.wasmModule;
if (shared instanceof WebAssembly.Module) useCompiledModule(shared);
const modules = new ModulePool();
let current: { id: number; execution?: SandboxExecution; cancelled?: { code: ErrorCode; message: string } } | undefined;
/** One sandbox made ahead of need per kind: its compile cost is paid while the worker is idle. */
const ready = new Map<string, Promise<PreparedSandbox>>();
const post = (message: ToMain): void => port.postMessage(message);

async function prepare(kind: SandboxKind): Promise<PreparedSandbox> {
  const lease = await modules.acquire(kind.memoryBytes);
  try {
    return new PreparedSandbox(lease, kind);
  } catch (error) {
    lease.release(false);
    throw error;
  }
}

function take(kind: SandboxKind): Promise<PreparedSandbox> {
  const key = kindKey(kind);
  const sandbox = ready.get(key) ?? prepare(kind);
  ready.delete(key);
  return sandbox;
}

function refill(kind: SandboxKind): void {
  setImmediate(() => {
    const key = kindKey(kind);
    if (ready.has(key)) return;
    const sandbox = prepare(kind);
    ready.set(key, sandbox);
    sandbox.catch(() => ready.delete(key));
  });
}

function run(msg: RunMessage): void {
  const me: NonNullable<typeof current> = { id: msg.id };
  current = me;
  const end = (): void => {
    if (current === me) current = undefined;
  };
  const compiled = compile({ code: msg.code, level: msg.level, limits: msg.limits, extraGlobals: new Set(msg.globalNames) });
  if (!compiled.ok) {
    end();
    const { score } = compiled;
    post({ type: 'done', id: msg.id, ok: false, error: compiled.error, iterations: 0, toolCalls: 0, ...(score ? { score: score.score } : {}) });
    return;
  }
  const kind: SandboxKind = { memoryBytes: msg.limits.memoryBytes, regex: levelAllows(msg.level, 'regex') };
  take(kind).then(
    (sandbox) => {
      // Only now does the script's own deadline start (below): the host's watchdog restarts with it, so a sandbox
      // that was slow to prepare (a cold worker on a busy machine) cannot eat into the watchdog's margin.
      post({ type: 'started', id: msg.id });
      const policy = new CallPolicy(msg.level, compiled.transformed.literals, compiled.facts, compiled.score.score);
      const plan = { id: msg.id, transformed: compiled.transformed, limits: msg.limits, globals: msg.globals, policy };
      const execution = new SandboxExecution(plan, sandbox, msg.stop, post, (done) => {
        end();
        post(done);
        refill(kind);
      });
      me.execution = execution;
      if (me.cancelled) execution.cancel(me.cancelled.code, me.cancelled.message);
      else execution.start();
    },
    () => {
      end();
      post({
        type: 'done',
        id: msg.id,
        ok: false,
        error: { code: 'INTERNAL_ERROR', message: 'The sandbox could not be created. Run the script again.' },
        iterations: 0,
        toolCalls: 0,
      });
    },
  );
}

port.on('message', (raw: unknown) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) return; // only the host talks to this port; a malformed message is dropped, not trusted
  const msg = parsed.data;
  switch (msg.type) {
    case 'run':
      return run(msg);
    case 'tool-result':
      if (current?.id === msg.id) current.execution?.toolResult(msg.callId, msg.ok, msg.value, msg.error);
      return;
    case 'pause':
      if (current?.id === msg.id) current.execution?.pause();
      return;
    case 'resume':
      if (current?.id === msg.id) current.execution?.resume();
      return;
    case 'cancel':
      if (current?.id !== msg.id) return;
      if (current.execution) current.execution.cancel(msg.code, msg.message);
      else current.cancelled = { code: msg.code, message: msg.message };
      return;
  }
});

// Prepare the first sandbox (STRICT's: 16 MB, no regular-expression engine) before the first script arrives.
refill({ memoryBytes: 16 * 1024 * 1024, regex: false });
post({ type: 'ready' });

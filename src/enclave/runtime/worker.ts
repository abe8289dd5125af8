// Worker thread entry: receives runs, tool results and cancellations; hosts several executions at once,
// each on its own WebAssembly instance. Only JSON strings cross in either direction.
import { parentPort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { ModulePool } from './module-pool.js';
import { ToWorkerSchema, type SandboxLimits, type ToMain } from './messages.js';
import { PreparedSandbox } from './prepared.js';
import { SandboxExecution } from './sandbox.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const modules = new ModulePool();
const executions = new Map<number, SandboxExecution>();
/** Runs cancelled while their sandbox was still being prepared. */
const cancelledEarly = new Map<number, { code: ErrorCode; message: string }>();
/** One sandbox made ahead of need per memory size: its compile cost is paid while the worker is idle. */
const ready = new Map<number, Promise<PreparedSandbox>>();
const post = (message: ToMain): void => port.postMessage(message);

async function prepare(memoryBytes: number): Promise<PreparedSandbox> {
  const lease = await modules.acquire(memoryBytes);
  try {
    return new PreparedSandbox(lease, memoryBytes);
  } catch (error) {
    lease.release(false);
    throw error;
  }
}

function take(memoryBytes: number): Promise<PreparedSandbox> {
  const sandbox = ready.get(memoryBytes) ?? prepare(memoryBytes);
  ready.delete(memoryBytes);
  return sandbox;
}

function refill(memoryBytes: number): void {
  setImmediate(() => {
    if (ready.has(memoryBytes)) return;
    const sandbox = prepare(memoryBytes);
    ready.set(memoryBytes, sandbox);
    sandbox.catch(() => ready.delete(memoryBytes));
  });
}

function run(id: number, code: string, limits: SandboxLimits, globals: string, stop: Int32Array<SharedArrayBuffer>): void {
  take(limits.memoryBytes).then(
    (sandbox) => {
      const execution = new SandboxExecution(id, sandbox, limits, stop, post, (done) => {
        executions.delete(id);
        post(done);
        refill(limits.memoryBytes);
      });
      executions.set(id, execution);
      const early = cancelledEarly.get(id);
      cancelledEarly.delete(id);
      if (early) execution.cancel(early.code, early.message);
      else execution.start(code, globals);
    },
    () => post({ type: 'done', id, ok: false, error: { code: 'INTERNAL_ERROR', message: 'The sandbox could not be created. Run the script again.' }, iterations: 0, toolCalls: 0 }),
  );
}

port.on('message', (raw: unknown) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) return; // only the host talks to this port; a malformed message is dropped, not trusted
  const msg = parsed.data;
  switch (msg.type) {
    case 'run':
      return run(msg.id, msg.code, msg.limits, msg.globals, msg.stop);
    case 'tool-result':
      return executions.get(msg.id)?.toolResult(msg.callId, msg.ok, msg.value, msg.error);
    case 'cancel': {
      const execution = executions.get(msg.id);
      if (execution) execution.cancel(msg.code, msg.message);
      else cancelledEarly.set(msg.id, { code: msg.code, message: msg.message });
      return;
    }
  }
});

// Prepare the first sandbox (STRICT's 16 MB) before the first script arrives.
refill(16 * 1024 * 1024);
post({ type: 'ready' });

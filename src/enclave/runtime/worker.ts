// Worker thread entry: receives runs, tool results and cancellations; hosts several executions at once,
// each on its own WebAssembly instance. Only JSON strings cross in either direction.
import { parentPort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { ModulePool } from './module-pool.js';
import { ToWorkerSchema, type ToMain } from './messages.js';
import { SandboxExecution } from './sandbox.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const modules = new ModulePool();
const executions = new Map<number, SandboxExecution>();
/** Runs cancelled while their instance was still being prepared. */
const cancelledEarly = new Map<number, { code: ErrorCode; message: string }>();
const post = (message: ToMain): void => port.postMessage(message);

port.on('message', (raw: unknown) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) return; // only the host talks to this port; a malformed message is dropped, not trusted
  const msg = parsed.data;
  switch (msg.type) {
    case 'run': {
      void modules.acquire(msg.limits.memoryBytes).then((lease) => {
        const execution = new SandboxExecution(msg.id, lease, msg.limits, post, (done) => {
          executions.delete(msg.id);
          post(done);
        });
        executions.set(msg.id, execution);
        const early = cancelledEarly.get(msg.id);
        cancelledEarly.delete(msg.id);
        if (early) execution.cancel(early.code, early.message);
        else execution.start(msg.code, msg.globals);
      });
      return;
    }
    case 'tool-result':
      executions.get(msg.id)?.toolResult(msg.callId, msg.ok, msg.value, msg.error);
      return;
    case 'cancel': {
      const execution = executions.get(msg.id);
      if (execution) execution.cancel(msg.code, msg.message);
      else cancelledEarly.set(msg.id, { code: msg.code, message: msg.message });
      return;
    }
  }
});

// Pay the first instance's start-up before the first script arrives.
void modules.warm(16 * 1024 * 1024).then(() => post({ type: 'ready' }));

// Worker thread entry: the sandbox worker's core (worker-core.ts) on a Node port, with the engine's WebAssembly
// compiled once by the pool and shared (workerData). Only JSON strings cross in either direction.
import { parentPort, workerData } from 'node:worker_threads';
import { ToWorkerSchema } from './messages.js';
import { adoptCompiledModule, ModulePool } from './module-pool.js';
import { workerCore } from './worker-core.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const shared = (workerData as { wasmModule?: unknown } | null)?.wasmModule;
if (shared instanceof WebAssembly.Module) adoptCompiledModule(shared);

const handle = workerCore({
  pool: new ModulePool(),
  post: (message) => port.postMessage(message),
  later: (fn) => setImmediate(fn),
  noSandbox: 'The sandbox could not be created. Run the script again.',
});

port.on('message', (raw: unknown) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) return; // only the host talks to this port; a malformed message is dropped, not trusted
  handle(parsed.data);
});

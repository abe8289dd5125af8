// Web Worker entry of the browser sandbox (spawned by browser-host.ts; the web build bundles it as sandbox-worker.js
// beside quickjs.wasm): the sandbox worker's core (worker-core.ts), as in Node's worker.ts, with the engine fetched
// from beside this bundle and a smaller stack. Only JSON strings cross in either direction. No node:* in what this imports.
import { type Engine, InstancePool } from './instance-pool.js';
import { ToBrowserWorkerSchema, type ToMain } from './messages.js';
import { workerCore } from './worker-core.js';

/** The worker's global scope, as far as this file uses it (the DOM typings describe a window, not a worker). */
interface WorkerScope {
  postMessage(message: ToMain): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: ToMain): void => scope.postMessage(message);

/** The engine's WebAssembly sits beside this bundle: the web build copies it there. */
const WASM_URL = new URL('./quickjs.wasm', import.meta.url);
let compiled: Promise<WebAssembly.Module> | undefined;

async function fetchModule(): Promise<WebAssembly.Module> {
  const response = await fetch(WASM_URL);
  if (!response.ok) throw new Error(`quickjs.wasm answered HTTP ${response.status}`);
  // Not compileStreaming: that needs the server to send application/wasm, and the module is compiled once per worker.
  return WebAssembly.compile(await response.arrayBuffer());
}

const engine: Engine = {
  // A failed fetch is not kept: the next run tries again.
  module: () =>
    (compiled ??= fetchModule().catch((error: unknown) => {
      compiled = undefined;
      throw error;
    })),
  // Engine output (an abort's "Aborted(…)") has no reader in a page: the run's own error says what went wrong.
  print: () => undefined,
  printErr: () => undefined,
};

/**
 * The engine's stack limit here. Chromium gives a worker about 1 MB of native stack where Node's workers have 8: with
 * the Node limit (256 KB), recursion 1,000 deep overflowed the host's stack first (an uncatchable RUNTIME_ERROR) where
 * Node's engine throws its own catchable "stack overflow". At 64 KB the engine's limit comes first (about 380 deep).
 */
const STACK_BYTES = 64 * 1024;
const handle = workerCore({
  pool: new InstancePool(engine),
  post,
  stackBytes: STACK_BYTES,
  later: (fn) => setTimeout(fn, 0),
  noSandbox: 'The sandbox could not be created (its engine did not load). Reload the page and run the script again.',
});

scope.addEventListener('message', (event) => {
  const parsed = ToBrowserWorkerSchema.safeParse(event.data);
  if (!parsed.success) return; // only the page's host talks to this worker; a malformed message is dropped, not trusted
  handle(parsed.data);
});

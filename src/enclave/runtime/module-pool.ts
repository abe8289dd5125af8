// The Node side of the engine: the compiled WebAssembly read from the package's file, once per process (and handed
// to every worker thread), with the engine's own output sent to the debug log. The instances themselves are pooled
// by instance-pool.ts, which browsers use too with a module fetched beside their bundle.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { log } from '../../shared/index.js';
import { InstancePool, type Engine } from './instance-pool.js';

export type { Lease } from './instance-pool.js';

/** Zeros to compare with, grown to the longest span asked about (calloc'd: its pages are never written). */
let zeros = Buffer.alloc(64 * 1024);

/**
 * Emscripten's print hooks default to the process's stdout and stderr (an engine abort prints "Aborted(…)"),
 * and stdout is the MCP protocol in stdio mode. Engine output goes to the debug log instead.
 */
const NODE_ENGINE: Engine = {
  module: () => compiledModule(),
  // memcmp against zeros: reading a page never written maps nothing, where writing zeros to it would.
  isZero: (span) => {
    if (span.byteLength > zeros.byteLength) zeros = Buffer.alloc(span.byteLength);
    return zeros.subarray(0, span.byteLength).equals(span);
  },
  print: (text: string) => log.debug('sandbox engine output', text),
  printErr: (text: string) => log.debug('sandbox engine error output', text),
};

let compiled: Promise<WebAssembly.Module> | undefined;
/**
 * The engine's compiled WebAssembly, once per process: the pool compiles it on the main thread and hands the same
 * Module to every worker (a Module is shared between threads, its machine code with it), so a new worker skips
 * compiling a megabyte of WebAssembly.
 */
export function compiledModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const require = createRequire(import.meta.url);
    compiled = WebAssembly.compile(readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
  }
  return compiled;
}

/** A worker adopts the Module its pool compiled. */
export function adoptCompiledModule(module: WebAssembly.Module): void {
  compiled = Promise.resolve(module);
}

/** Instances of the engine compiled from the package's file (compiledModule). */
export class ModulePool extends InstancePool {
  constructor() {
    super(NODE_ENGINE);
  }
}

// The Node side of the engine: the compiled WebAssembly read from the package's file, once per process (and handed
// to every worker thread), with the engine's own output sent to the debug log. The instances themselves are pooled
// by instance-pool.ts, which browsers use too with a module fetched beside their bundle.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { log } from '../../shared/index.js';
import { InstancePool, type Engine } from './instance-pool.js';

export type { Lease } from './instance-pool.js';

/** Zeros to compare a span's head with (calloc'd: its pages are never written). */
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * Whether a span holds only zeros, in one pass: its head is compared with 64 KB of zeros, and every byte after it with
 * the byte 64 KB before it (the second read of each byte comes from cache). Comparing a 5 MB span with 5 MB of zeros
 * read twice as much memory: 108–120 µs against 89–90 on a VM whose kernel maps a real page for every page read
 * (no shared zero page), where those zeros also cost 5 MB of resident memory per worker.
 */
export function isZeroSpan(span: Uint8Array): boolean {
  const bytes = Buffer.from(span.buffer, span.byteOffset, span.byteLength);
  const head = Math.min(bytes.byteLength, ZEROS.byteLength);
  if (!ZEROS.subarray(0, head).equals(bytes.subarray(0, head))) return false;
  return head === bytes.byteLength || bytes.compare(bytes, head, bytes.byteLength, 0, bytes.byteLength - head) === 0;
}

/**
 * Emscripten's print hooks default to the process's stdout and stderr (an engine abort prints "Aborted(…)"),
 * and stdout is the MCP protocol in stdio mode. Engine output goes to the debug log instead.
 */
const NODE_ENGINE: Engine = {
  module: () => compiledModule(),
  // Compared, not written: where reading a page never written maps the shared zero page, writing zeros would map it.
  isZero: isZeroSpan,
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

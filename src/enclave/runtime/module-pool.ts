// QuickJS WebAssembly instances, one per in-flight execution, each with its own capped linear memory.
// QuickJS's own memory limit does not add allocations up in this build (DESIGN §2), so the cap that
// holds is the WebAssembly.Memory maximum: malloc fails there, and QuickJS reports "out of memory".
// Instances are reused one execution at a time; a runtime is created fresh per execution.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { newQuickJSWASMModuleFromVariant, newVariant, type EmscriptenModuleLoaderOptions, type QuickJSSyncVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import { log } from '../log.js';
import releaseSyncExport from '@jitl/quickjs-wasmfile-release-sync';

// The package types its ESM default as a CommonJS namespace; at run time the ESM default is the variant.
const releaseSync = releaseSyncExport as unknown as QuickJSSyncVariant;

const PAGE = 64 * 1024;
/** The build's own initial memory (static data, C stack, allocator): a module cannot start with less. */
const BASE_BYTES = 16 * 1024 * 1024;
const KEEP_PER_SIZE = 8;

/**
 * Emscripten's print hooks default to the process's stdout and stderr (an engine abort prints "Aborted(…)"),
 * and stdout is the MCP protocol in stdio mode. Engine output goes to the debug log instead.
 * (The hooks are read by the Emscripten loader but not declared in the loader options' type.)
 */
const QUIET = {
  print: (text: string) => log.debug('sandbox engine output', text),
  printErr: (text: string) => log.debug('sandbox engine error output', text),
} as EmscriptenModuleLoaderOptions;

let compiled: Promise<WebAssembly.Module> | undefined;
function compiledModule(): Promise<WebAssembly.Module> {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
  compiled ??= WebAssembly.compile(readFileSync(wasmPath));
  return compiled;
}

export interface Lease {
  module: QuickJSWASMModule;
  maxBytes: number;
  /** Return the instance for reuse; pass `false` when it may be damaged (a trap, a host stack overflow). */
  release(healthy: boolean): void;
}

export class ModulePool {
  private readonly free = new Map<number, QuickJSWASMModule[]>();

  /** An instance whose linear memory may grow to `memoryBytes` beyond the build's base. */
  async acquire(memoryBytes: number): Promise<Lease> {
    const pages = Math.ceil((BASE_BYTES + memoryBytes) / PAGE);
    const list = this.free.get(pages) ?? [];
    this.free.set(pages, list);
    const module = list.pop() ?? (await this.create(pages));
    return {
      module,
      maxBytes: pages * PAGE,
      release: (healthy) => {
        if (healthy && list.length < KEEP_PER_SIZE) list.push(module);
      },
    };
  }

  private async create(maxPages: number): Promise<QuickJSWASMModule> {
    const wasmMemory = new WebAssembly.Memory({ initial: BASE_BYTES / PAGE, maximum: maxPages });
    return newQuickJSWASMModuleFromVariant(newVariant(releaseSync, { wasmModule: await compiledModule(), wasmMemory, emscriptenModule: QUIET }));
  }
}

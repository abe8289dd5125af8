// QuickJS WebAssembly instances, one per in-flight execution, each with its own capped linear memory.
// QuickJS's own memory limit does not add allocations up in this build (DESIGN §2), so the cap that
// holds is the WebAssembly.Memory maximum: malloc fails there, and QuickJS reports "out of memory".
// Instances are reused one execution at a time; a runtime is created fresh per execution.
// Runs in Node and in browsers alike: where the compiled engine comes from is the caller's (an Engine): the package's
// file on disk in Node (module-pool.ts), a file fetched beside the worker's bundle in a browser (browser-worker.ts).
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type EmscriptenModuleLoaderOptions,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import releaseSyncExport from '@jitl/quickjs-wasmfile-release-sync';
import { findBreakAddress, type ZeroTest } from './memory-image.js';

// The package types its ESM default as a CommonJS namespace; at run time the ESM default is the variant.
const releaseSync = releaseSyncExport as unknown as QuickJSSyncVariant;

const PAGE = 64 * 1024;
/** The build's own initial memory (static data, C stack, allocator): a module cannot start with less. */
const BASE_BYTES = 16 * 1024 * 1024;
const KEEP_PER_SIZE = 2;
/**
 * How close to its cap an instance's memory must be for a thrown `null` to count as the engine running out of
 * memory (QuickJS throws null when it cannot allocate its own out-of-memory error). Measured: with a 32 MB cap,
 * memory stood at 30.6 MB when that happened (the last growth asked for more than was left), so the slack is a
 * tenth of the cap, at least 2 MB.
 */
const fullSlack = (maxBytes: number): number => Math.max(2 * 1024 * 1024, maxBytes / 10);

/** The engine's compiled WebAssembly and where its own output goes (an engine abort prints "Aborted(…)"). */
export interface Engine {
  /** The compiled module: compiled once, instantiated for every instance. */
  module(): Promise<WebAssembly.Module>;
  print(text: string): void;
  printErr(text: string): void;
  /** A native all-zeros test, where the host has one: resetting a sandbox then leaves untouched memory unmapped. */
  isZero?: ZeroTest;
}

export interface Lease {
  module: QuickJSWASMModule;
  memory: WebAssembly.Memory;
  /** Where the allocator keeps its break in this build (memory-image.ts); undefined when the probe found none. */
  breakAddress: number | undefined;
  isZero: ZeroTest | undefined;
  maxBytes: number;
  /** Whether the instance's memory has grown to (nearly) its cap. */
  memoryFull(): boolean;
  /** Return the instance for reuse; pass `false` when it may be damaged (a trap, a host stack overflow). */
  release(healthy: boolean): void;
}

interface Instance {
  module: QuickJSWASMModule;
  memory: WebAssembly.Memory;
}

/** The Emscripten exports a break probe uses; not in the SDK's types (its `module` field is protected). */
interface EmscriptenExports {
  _malloc?: (bytes: number) => number;
  _free?: (pointer: number) => void;
}

export class InstancePool {
  private readonly free = new Map<number, Instance[]>();
  private breakAddress: Promise<number | undefined> | undefined;

  constructor(private readonly engine: Engine) {}

  /** An instance whose linear memory may grow to `memoryBytes` beyond the build's base. */
  async acquire(memoryBytes: number): Promise<Lease> {
    const pages = Math.ceil((BASE_BYTES + memoryBytes) / PAGE);
    const list = this.free.get(pages) ?? [];
    this.free.set(pages, list);
    this.breakAddress ??= this.probeBreak();
    const breakAddress = await this.breakAddress;
    const instance = list.pop() ?? (await this.create(pages));
    const maxBytes = pages * PAGE;
    return {
      module: instance.module,
      memory: instance.memory,
      breakAddress,
      isZero: this.engine.isZero,
      maxBytes,
      memoryFull: () => instance.memory.buffer.byteLength >= maxBytes - fullSlack(maxBytes),
      release: (healthy) => {
        // An instance whose memory grew keeps that memory for good (WebAssembly memory never shrinks): reused, it
        // would hold it for every later run, and its next script would find it "nearly full" (see memoryFull).
        const grown = instance.memory.buffer.byteLength > BASE_BYTES;
        if (healthy && !grown && list.length < KEEP_PER_SIZE) list.push(instance);
      },
    };
  }

  /** Finds the allocator's break on a spare instance, once per pool (the probe leaves that instance's heap used). */
  private async probeBreak(): Promise<number | undefined> {
    try {
      const spare = await this.create(Math.ceil((2 * BASE_BYTES) / PAGE));
      // The SDK keeps the Emscripten module in a protected field; read defensively, as another build may differ.
      const exports = (spare.module as unknown as { module?: EmscriptenExports }).module;
      const { _malloc: malloc, _free: free } = exports ?? {};
      if (typeof malloc !== 'function' || typeof free !== 'function') return undefined;
      return findBreakAddress({ malloc, free, memory: spare.memory });
    } catch {
      return undefined;
    }
  }

  private async create(maxPages: number): Promise<Instance> {
    const memory = new WebAssembly.Memory({ initial: BASE_BYTES / PAGE, maximum: maxPages });
    // The print hooks are read by the Emscripten loader but not declared in the loader options' type.
    const output = { print: this.engine.print, printErr: this.engine.printErr } as EmscriptenModuleLoaderOptions;
    const module = await newQuickJSWASMModuleFromVariant(
      newVariant(releaseSync, { wasmModule: await this.engine.module(), wasmMemory: memory, emscriptenModule: output }),
    );
    return { module, memory };
  }
}

// A copy of an engine instance's linear memory, taken once its sandbox is prepared, so that the instance can be put
// back into exactly that state after a run instead of preparing a new sandbox (a fresh runtime, context and prelude
// cost ~4.7 ms; putting the image back ~0.1–0.2 ms). Everything the engine holds lives in that memory: restored
// byte for byte, nothing of the previous run survives, whatever it did.
//
// What the copy must cover is bounded by the allocator's break (sbrk): the C stack and static data lie below the
// heap, and this build's allocator never gives memory back to the break (probed below), so the break after a run
// is the highest byte the run can have written. Its address in static data is not exported, so it is found by
// probing a spare instance: allocate a block larger than any free chunk, and see which word of static data grew by
// that much and stayed there once the block was freed.

/** The parts of an Emscripten module a probe needs (its `_malloc`/`_free` exports and its memory). */
export interface AllocatorProbe {
  malloc(bytes: number): number;
  free(pointer: number): void;
  memory: WebAssembly.Memory;
}

/** Where static data ends at the latest: the break's word lies below it (this build's data is ~90 KB). */
const STATIC_SCAN_BYTES = 1024 * 1024;
/** Larger than any free chunk of a fresh instance, so the allocator must move its break. */
const PROBE_BYTES = 4 * 1024 * 1024;

/** The address of the allocator's break, or undefined when the probe does not find exactly one (another build). */
export function findBreakAddress(probe: AllocatorProbe): number | undefined {
  const words = (): Uint32Array => new Uint32Array(probe.memory.buffer.slice(0, STATIC_SCAN_BYTES));
  const before = words();
  const block = probe.malloc(PROBE_BYTES);
  if (block === 0) return undefined;
  const grown = words();
  probe.free(block);
  const after = words();
  const size = probe.memory.buffer.byteLength;
  const found: number[] = [];
  before.forEach((was, i) => {
    const moved = grown[i] ?? 0;
    // The break moved up, to the block's end or above (the allocator's sizes, such as its footprint, grow by as
    // much but are not addresses), stays within memory, and did not move back when the block was freed.
    if (moved > was && moved >= block + PROBE_BYTES && moved <= size && after[i] === moved) found.push(i * 4);
  });
  return found.length === 1 ? found[0] : undefined;
}

/** Says whether a span of memory holds only zeros: native where the host has it (Node's Buffer compare). */
export type ZeroTest = (span: Uint8Array) => boolean;

/** The image is kept per chunk: a chunk of zeros is kept as nothing (most of the C stack, holes in the heap). */
const CHUNK = 64 * 1024;

/** Consecutive chunks of zeros, [first, end) by chunk index: checked as one span, then chunk by chunk if written. */
type ZeroRun = readonly [first: number, end: number];

export class MemoryImage {
  private readonly zeroRuns: ZeroRun[] = [];

  private constructor(
    /** Per chunk of memory below the break: its bytes, or null for a chunk of zeros. */
    private readonly chunks: Array<Uint8Array | null>,
    private readonly top: number,
    private readonly memoryBytes: number,
    private readonly breakAddress: number,
    private readonly isZero: ZeroTest | undefined,
  ) {
    for (let i = 0; i < chunks.length; i++) {
      if (chunks[i] !== null) continue;
      const first = i;
      while (i + 1 < chunks.length && chunks[i + 1] === null) i++;
      this.zeroRuns.push([first, i + 1]);
    }
  }

  /** The memory up to its break, now. */
  static take(memory: WebAssembly.Memory, breakAddress: number, isZero?: ZeroTest): MemoryImage {
    const top = readBreak(memory, breakAddress);
    const u8 = new Uint8Array(memory.buffer, 0, top);
    const chunks: Array<Uint8Array | null> = [];
    for (let at = 0; at < top; at += CHUNK) {
      const span = u8.subarray(at, Math.min(at + CHUNK, top));
      chunks.push(span.some((b) => b !== 0) ? span.slice() : null);
    }
    return new MemoryImage(chunks, top, memory.buffer.byteLength, breakAddress, isZero);
  }

  /** Whether the image can be put back into `memory`: not once it grew (WebAssembly memory never shrinks). */
  fits(memory: WebAssembly.Memory): boolean {
    return memory.buffer.byteLength === this.memoryBytes;
  }

  /** How much memory the image holds (reported per idle sandbox). */
  get byteLength(): number {
    return this.chunks.reduce((sum, chunk) => sum + (chunk?.byteLength ?? 0), 0);
  }

  /**
   * Puts the memory back as it was when the image was taken: each chunk's bytes, zeros where the image had zeros
   * (written only where a run left something: untouched pages stay unmapped, so the idle worker's memory stays
   * small), and zeros above the image up to the break the run reached. False (nothing written) when the memory grew
   * meanwhile: WebAssembly memory never shrinks, so that instance cannot be the one imaged any more.
   */
  restore(memory: WebAssembly.Memory): boolean {
    if (!this.fits(memory)) return false;
    const reached = Math.min(readBreak(memory, this.breakAddress), this.memoryBytes); // read first: the copy puts the old break back
    const u8 = new Uint8Array(memory.buffer);
    const span = (first: number, end: number): Uint8Array => u8.subarray(first * CHUNK, Math.min(end * CHUNK, this.top));
    this.chunks.forEach((chunk, i) => {
      if (chunk) u8.set(chunk, i * CHUNK);
    });
    // Most of a run of zeros (the C stack's 5 MB) is never written: one comparison clears it (~50 µs where one per
    // chunk took ~70). A run something wrote in is then checked chunk by chunk, and only written chunks are zeroed.
    for (const [first, end] of this.zeroRuns) {
      if (this.isZero?.(span(first, end))) continue;
      for (let i = first; i < end; i++) {
        const chunk = span(i, i + 1);
        if (!this.isZero?.(chunk)) chunk.fill(0);
      }
    }
    if (reached > this.top) u8.fill(0, this.top, reached);
    return true;
  }
}

function readBreak(memory: WebAssembly.Memory, address: number): number {
  return new DataView(memory.buffer).getUint32(address, true);
}

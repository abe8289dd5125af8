// A sandbox serves one run after another: between two, its instance's memory is put back byte for byte as it was
// prepared (src/enclave/runtime/memory-image.ts). These tests drive a real engine directly, below validation, so
// they hold for whatever a script could do inside the engine: nothing it leaves (globals, changed built-ins, data in
// freed memory) survives the reset, and where a reset cannot be trusted it is refused.
import { describe, expect, it } from 'vitest';
import { findBreakAddress, MemoryImage } from '../../src/enclave/runtime/memory-image.js';
import { isZeroSpan, ModulePool } from '../../src/enclave/runtime/module-pool.js';
import { PreparedSandbox } from '../../src/enclave/runtime/prepared.js';

const KIND = { memoryBytes: 32 * 1024 * 1024, regex: true };

async function prepared(): Promise<{ sandbox: PreparedSandbox; memory: WebAssembly.Memory; image: Uint8Array }> {
  const lease = await new ModulePool().acquire(KIND.memoryBytes);
  const sandbox = new PreparedSandbox(lease, KIND);
  return { sandbox, memory: lease.memory, image: new Uint8Array(lease.memory.buffer).slice() };
}

/**
 * Runs code in the sandbox's context as trusted code (no validation, no guards, before configure() closes the global
 * object): more than a script could ever do.
 */
function evalRaw(sandbox: PreparedSandbox, code: string): unknown {
  const ctx = sandbox.context;
  return ctx.dump(ctx.unwrapResult(ctx.evalCode(code, 'raw.js', { type: 'global' })));
}

function contains(haystack: Uint8Array, needle: string): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle, 'latin1'));
}

describe('the allocator break probe', () => {
  it('finds one address, whose value is the top of the heap and moves with allocations', async () => {
    const lease = await new ModulePool().acquire(KIND.memoryBytes);
    expect(lease.breakAddress).toBeTypeOf('number');
    const view = new DataView(lease.memory.buffer);
    const before = view.getUint32(lease.breakAddress!, true);
    const sandbox = new PreparedSandbox(lease, KIND);
    evalRaw(sandbox, "var big = 'q'.repeat(8_000_000); 1");
    expect(new DataView(lease.memory.buffer).getUint32(lease.breakAddress!, true)).toBeGreaterThan(before + 8_000_000);
  });

  it('finds nothing when no word behaves as a break (another build): then nothing is reset', () => {
    const memory = new WebAssembly.Memory({ initial: 32 });
    let top = 4096;
    // An allocator that keeps no break in static data: the probe must not guess.
    const found = findBreakAddress({ malloc: (n) => ((top += n), top - n), free: () => {}, memory });
    expect(found).toBeUndefined();
  });
});

describe('resetting a sandbox after a run', () => {
  it('puts every byte of its memory back as prepared, whatever the run wrote', async () => {
    const { sandbox, memory, image } = await prepared();
    evalRaw(
      sandbox,
      `var keep = [];
       for (let i = 0; i < 2000; i++) keep.push({ i, s: 'canary-' + i, a: [i, i + 1] });
       function deep(n) { return n === 0 ? 0 : deep(n - 1) + 1; }
       try { deep(1e6); } catch {} // down to the engine's stack limit: C-stack chunks that were zeros are written
       1`,
    );
    expect(new Uint8Array(memory.buffer).every((b, i) => b === image[i])).toBe(false);
    expect(sandbox.reset()).toBe(true);
    const now = new Uint8Array(memory.buffer);
    expect(now.byteLength).toBe(image.byteLength);
    let differing = 0;
    for (let i = 0; i < now.length; i++) if (now[i] !== image[i]) differing++;
    expect(differing).toBe(0);
  });

  it('leaves nothing of the run in the engine: its globals and its data are gone', async () => {
    const { sandbox, memory } = await prepared();
    const probe = 'typeof secret';
    evalRaw(sandbox, "var secret = 'SECRET-' + 'canary-7731'.repeat(3); 1");
    expect(evalRaw(sandbox, probe)).toBe('string');
    expect(contains(new Uint8Array(memory.buffer), 'SECRET-canary-7731')).toBe(true);
    expect(sandbox.reset()).toBe(true);
    expect(contains(new Uint8Array(memory.buffer), 'SECRET-canary-7731')).toBe(false);
    expect(evalRaw(sandbox, probe)).toBe('undefined');
  });

  it('clears data the run allocated and freed above the prepared heap', async () => {
    const { sandbox, memory } = await prepared();
    evalRaw(sandbox, "let t = 'FREED-canary-0042'.repeat(200000); t = null; 1");
    expect(contains(new Uint8Array(memory.buffer), 'FREED-canary-0042')).toBe(true); // freed, but still in memory
    expect(sandbox.reset()).toBe(true);
    expect(contains(new Uint8Array(memory.buffer), 'FREED-canary-0042')).toBe(false);
  });

  it('can be reset run after run, each run seeing a fresh realm', async () => {
    const { sandbox } = await prepared();
    for (let run = 0; run < 20; run++) {
      expect(evalRaw(sandbox, 'typeof counter')).toBe('undefined');
      evalRaw(sandbox, `var counter = ${run}; 'x'.repeat(${run * 10000}).length`);
      expect(sandbox.reset()).toBe(true);
    }
  });

  it('is refused once the memory grew: WebAssembly memory cannot shrink back to the image', async () => {
    const { sandbox, memory, image } = await prepared();
    evalRaw(sandbox, "var big = 'g'.repeat(20_000_000); 1");
    expect(memory.buffer.byteLength).toBeGreaterThan(image.byteLength);
    expect(sandbox.reset()).toBe(false);
  });

  it('is refused when the SDK cached a handle during the run that the image does not hold', async () => {
    const { sandbox } = await prepared();
    sandbox.context.getWellKnownSymbol('iterator').dispose(); // caches the Symbol constructor's handle, made now
    expect(sandbox.reset()).toBe(false);
  });

  it('is refused when the run left a host function the image does not hold (one made and freed within it is fine)', async () => {
    const { sandbox } = await prepared();
    const fn = sandbox.context.newFunction('made-during-the-run', () => {});
    fn.dispose(); // the engine frees it: the SDK's host function table changes
    expect(sandbox.reset()).toBe(true); // one made and freed within the run leaves the table as it was
    const kept = sandbox.context.newFunction('kept', () => {});
    expect(sandbox.reset()).toBe(false); // one the run made and kept is not in the image
    kept.dispose();
  });

  it("a retired sandbox hands its instance to no other sandbox: one prepared after it holds none of its runs' bytes", async () => {
    const pool = new ModulePool();
    const first = new PreparedSandbox(await pool.acquire(KIND.memoryBytes), KIND);
    evalRaw(first, "let t = 'RETIRED-canary-5150'.repeat(100000); t = null; 1");
    expect(contains(new Uint8Array(first.lease.memory.buffer), 'RETIRED-canary-5150')).toBe(true); // freed, still there
    first.retire(true); // as after a refused reset, or when a second ready sandbox of its kind is not needed
    const next = new PreparedSandbox(await pool.acquire(KIND.memoryBytes), KIND);
    expect(next.lease.memory).not.toBe(first.lease.memory);
    expect(contains(new Uint8Array(next.lease.memory.buffer), 'RETIRED-canary-5150')).toBe(false);
    expect(next.reset()).toBe(true);
    expect(contains(new Uint8Array(next.lease.memory.buffer), 'RETIRED-canary-5150')).toBe(false);
  });

  it('a memory image zeroes what a run wrote in memory that was zeros, checked as one span and then by chunk', () => {
    const zeroTest = (span: Uint8Array): boolean => span.every((b) => b === 0);
    for (const isZero of [zeroTest, undefined]) {
      const memory = new WebAssembly.Memory({ initial: 8 }); // 512 KB: chunk 0 holds the break, chunks 1–7 are zeros
      const top = 8 * 65536;
      new DataView(memory.buffer).setUint32(0, top, true);
      const image = MemoryImage.take(memory, 0, isZero);
      const u8 = new Uint8Array(memory.buffer);
      u8[3 * 65536 + 1234] = 7; // inside the run of zeros
      u8[top - 1] = 9; // its last byte
      u8[100] = 5; // the chunk with data
      expect(image.restore(memory)).toBe(true);
      expect(u8.subarray(65536).every((b) => b === 0)).toBe(true);
      expect(u8[100]).toBe(0);
      expect(new DataView(memory.buffer).getUint32(0, true)).toBe(top);
    }
  });

  it("Node's zero test finds one written byte anywhere in a span, at either end of its head and beyond", () => {
    const memory = new WebAssembly.Memory({ initial: 96 }); // 6 MB, never written
    const span = new Uint8Array(memory.buffer, 4096, 5 * 1024 * 1024 + 3);
    expect(isZeroSpan(span)).toBe(true);
    const head = 64 * 1024;
    for (const at of [0, 1, head - 1, head, head + 1, 2 * head - 1, 3 * head + 17, span.length - head, span.length - 1]) {
      span[at] = 1;
      expect(isZeroSpan(span), `a byte at ${at}`).toBe(false);
      span[at] = 0;
    }
    for (const length of [0, 1, head - 1, head, head + 1]) {
      const short = span.subarray(0, length);
      expect(isZeroSpan(short)).toBe(true);
      if (length === 0) continue;
      short[length - 1] = 128;
      expect(isZeroSpan(short), `a byte at the end of ${length}`).toBe(false);
      short[length - 1] = 0;
    }
    // The same byte every 64 KB, which the comparison of each byte with the one 64 KB before it cannot see alone.
    for (let at = 5; at < span.length; at += head) span[at] = 3;
    expect(isZeroSpan(span)).toBe(false);
  });

  it('a memory image restores nothing into memory of another size', () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    new DataView(memory.buffer).setUint32(0, 64, true);
    const image = MemoryImage.take(memory, 0);
    memory.grow(1);
    expect(image.restore(memory)).toBe(false);
  });
});

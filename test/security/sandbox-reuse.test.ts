// A worker's sandbox serves run after run, put back byte for byte as prepared between them (memory-image.ts).
// These attacks try to carry something from one run into the next on the same worker (one worker, so every run
// lands on the same sandbox), or to leave the sandbox broken for the next script; the unit tests of the reset
// itself (test/enclave/sandbox-reset.test.ts) run hostile code below validation.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, type ToolHandler } from '../../src/enclave/index.js';
import { freshSeed } from '../../src/enclave/runtime/sandbox-config.js';

const CANARY = 'CANARY-run-one-7f3a91';
const handler: ToolHandler = async (name, args, { signal }) => {
  if (name === 'secret:read') return { token: CANARY, padding: 'p'.repeat(100_000) };
  if (name === 'slow:hang') return new Promise((resolve) => signal.addEventListener('abort', () => resolve(null)));
  return args;
};
// STANDARD's own 30 s deadline: filling its 64 MB takes ~0.7 s on a quiet machine, and a loaded CI ran it past a
// 1 s deadline (TIMEOUT, not MEMORY_LIMIT). The run that is meant to time out lowers its own (TIMEOUT_RUN).
const enclave = new Enclave({ securityLevel: 'STANDARD', toolHandler: handler, poolSize: 1, maxWorkers: 1, limits: { maxIterations: 1e9 } });
const TIMEOUT_RUN = { limits: { timeoutMs: 1000 } };
afterAll(() => enclave.dispose());

async function value(code: string): Promise<unknown> {
  const r = await enclave.run(code);
  if (!r.success) throw new Error(`${r.error?.code}: ${r.error?.message}`);
  return r.value;
}

describe('one worker, run after run', () => {
  it('gives every run its own Math.random sequence (the generator is seeded again, not restored)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(JSON.stringify(await value('return [Math.random(), Math.random()];')));
    expect(seen.size).toBe(20);
  });

  it('never hands a seed out twice, across the refills of its batch of random words', () => {
    const seeds = Array.from({ length: 1000 }, () => freshSeed()); // a batch is 256: three refills
    expect(seeds.every((seed) => seed.length === 4 && seed.some((word) => word !== 0))).toBe(true);
    expect(new Set(seeds.map((seed) => seed.join())).size).toBe(1000);
    expect(new Set(seeds.flat()).size).toBeGreaterThan(3990); // 4,000 random 32-bit words: a repeat is rare, many is a bug
  });

  it('a secret one run read is nowhere in the next: not in a closure, not in a cache, not in a built-in', async () => {
    await value(`const s = await callTool('secret:read', {});
      const keep = [];
      for (let i = 0; i < 50; i++) keep.push(s.token + i);
      return keep.length;`);
    const probes = await value(`return [JSON.stringify(Object.keys(Math)).includes('CANARY'), String([].join).includes('CANARY'),
      Object.keys(JSON).length, JSON.stringify(Object.entries(console).map(([k]) => k))];`);
    expect(probes).toEqual([false, false, 2, '["log","info","warn","error"]']);
  });

  it("the sandbox's own counters start again: a run is charged for its own calls, iterations and console lines only", async () => {
    // The same sandbox served the run before (one worker): without the reset its counters would carry on from there.
    const first = await enclave.run(`for (let i = 0; i < 500; i++) {}
      for (let i = 0; i < 5; i++) await callTool('echo:x', { i });
      for (let i = 0; i < 40; i++) console.log('line ' + i);
      return 1;`);
    expect(first.stats).toMatchObject({ toolCalls: 5 });
    const next = await enclave.run("console.log('one line');\nreturn await callTool('echo:x', { n: 1 });");
    expect(next).toMatchObject({ success: true, value: { n: 1 }, stats: { toolCalls: 1, iterations: 0 }, logs: [{ level: 'log', message: 'one line' }] });
  });

  it('a run that ends with calls in flight (their promises held by the sandbox) leaves a clean sandbox', async () => {
    const r = await enclave.run(`const hanging = [callTool('slow:hang', {}), callTool('slow:hang', {})];
      return await Promise.race([...hanging, Promise.resolve('left')]);`);
    expect(r).toMatchObject({ success: true, value: 'left' });
    expect(await value('return 1 + 1;')).toBe(2);
  });

  it('a run stopped mid-computation (timeout) leaves the next run a working sandbox', async () => {
    const r = await enclave.run('let n = 0;\nfor (let i = 0; i < 1e12; i++) { n += i % 7; }\nreturn n;', TIMEOUT_RUN);
    expect(r.error?.code).toBe('TIMEOUT');
    expect(await value("return ['a', 'b'].map((x) => x.toUpperCase()).join('');")).toBe('AB');
  });

  it('a run that exhausts its memory leaves the next run a working sandbox', async () => {
    const r = await enclave.run("const keep = []; for (let i = 0; i < 1000; i++) keep.push('x'.repeat(1000000) + i); return keep.length;");
    expect(r.error?.code).toBe('MEMORY_LIMIT');
    expect(await value('return JSON.stringify({ ok: true });')).toBe('{"ok":true}');
  });

  it('a cancelled run leaves the next run a working sandbox', async () => {
    const controller = new AbortController();
    const running = enclave.run("await callTool('slow:hang', {}); return 1;", { signal: controller.signal });
    setImmediate(() => controller.abort());
    expect((await running).error?.code).toBe('CANCELLED');
    expect(await value('return [1, 2, 3].reduce((a, b) => a + b, 0);')).toBe(6);
  });
});

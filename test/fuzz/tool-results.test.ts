// Property-based fuzzing of the Enclave's tool boundary: hostile results, throws and rejections, with the secret
// planted in them. The generators and invariants live in hostile-values.ts and enclave-targets.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';
import { toolResultsTarget } from './enclave-targets.js';
import { withStallMeter } from './fuzz-kit.js';
import { fuzzTest } from './vitest-fuzz.js';

describe('hostile tool results', () => void fuzzTest(toolResultsTarget, { timeoutMs: 120_000 }));

// Found by the stall meter of these properties (worst stall 134 ms on an idle machine, 233 ms on a busy one, where
// DESIGN §2 allows 50 ms), shrunk by hand: Enclave.finish() in src/enclave/enclave.ts runs JSON.parse and
// Redactor.value over the script's whole result synchronously on the host's main thread. A 2 MB result (under
// STANDARD's 4 MB) costs ~50 + ~200 ms there; a 250,000-key object from a tool, returned as is, ~140 + ~380 ms.
// Every other execution and HTTP request of the process waits meanwhile. A product bug left to src/: when it is
// fixed this test fails, and goes.
describe('known bug: a large result blocks the host', () => {
  const enclave = new Enclave({ securityLevel: 'STANDARD' });
  afterAll(() => enclave.dispose());
  it.fails('returning 250,000 small objects (2 MB) keeps the event loop within 50 ms', async () => {
    await enclave.run('return 1');
    const { value, stallMs } = await withStallMeter(() => enclave.run('return new Array(2.5e5).fill({ a: 1 });'));
    expect(value.success).toBe(true);
    expect(stallMs).toBeLessThan(50);
  });
});

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
  it.fails('returning 250,000 small objects (2 MB) takes the host no long synchronous pass', async () => {
    await enclave.run('return 1');
    // The yardstick, measured here and now so that a loaded machine slows it as much as the run: one JSON.parse of
    // the same text, the least a single synchronous pass over the result costs (~50 ms idle). The bug's stall is that
    // and the redaction on top (~250 ms); a host that reads the result in slices stalls a few milliseconds.
    const text = JSON.stringify(new Array(2.5e5).fill({ a: 1 }));
    const onePass = Math.min(
      ...Array.from({ length: 3 }, () => {
        const started = performance.now();
        JSON.parse(text);
        return performance.now() - started;
      }),
    );
    const { value, stallMs } = await withStallMeter(() => enclave.run('return new Array(2.5e5).fill({ a: 1 });'));
    expect(value.success).toBe(true);
    expect(stallMs).toBeLessThan(onePass);
  });
});

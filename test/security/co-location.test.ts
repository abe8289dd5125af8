// Fault isolation on the library (DESIGN §2): whatever a script does, every other execution completes normally.
// For each kind of runaway script, two of them run while three clean scripts are submitted beside them; the
// clean ones must succeed within 1.5 s each, and the runaways must end by themselves with their own code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Enclave, type ExecutionResult, type SecurityLevel, type ToolHandler } from '../../src/enclave/index.js';
import { waitFor } from '../wait-for.js';
import { CLEAN, CLEAN_VALUE, HOLD, Holds, RUNAWAYS, warmPool } from './runaways.js';

/** The bound of DESIGN §2 for a clean script beside two runaways on this 2-core machine. */
const CLEAN_BOUND_MS = 1500;

const holds = new Holds();
const handler: ToolHandler = async (name, args, { signal, untimed }) => {
  if (name === 'clean:echo') return args;
  // Off the clock: on a loaded machine the pool may take longer than STRICT's 5 s to start the workers it warms.
  if (name === 'warm:hold') return untimed(holds.hold());
  // runaway:hang never answers; it lets go when the run ends.
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(null)));
};

const enclaves = new Map<SecurityLevel, Enclave>();
const enclaveAt = (level: SecurityLevel): Enclave => enclaves.get(level)!;

beforeAll(async () => {
  for (const level of ['STRICT', 'SECURE', 'STANDARD'] as const) {
    const enclave = new Enclave({ securityLevel: level, toolHandler: handler });
    enclaves.set(level, enclave);
    // A server that has been running: six scripts at once started the workers they needed; they are idle now.
    const held = Array.from({ length: 6 }, () => enclave.run(HOLD));
    await warmPool(() => enclave.stats, 7);
    holds.release();
    expect((await Promise.all(held)).every((r) => r.success)).toBe(true);
  }
}, 120_000);
afterAll(() => Promise.all([...enclaves.values()].map((e) => e.dispose())));

/**
 * Starts `code` `n` times and resolves once each has a worker (its 'started' event) or is already over (refused
 * before it ran): the runaways are running when the clean scripts arrive.
 */
async function started(enclave: Enclave, codes: string[]): Promise<Promise<ExecutionResult>[]> {
  const arrived = codes.map(() => false);
  const runs = codes.map((code, i) => {
    const run = enclave.run(code, { onEvent: (e) => void (e.type === 'started' && (arrived[i] = true)) });
    void run.then(() => (arrived[i] = true));
    return run;
  });
  await waitFor(() => arrived.every(Boolean), { what: 'the runaways to be running' });
  return runs;
}

async function timed(run: Promise<ExecutionResult>): Promise<{ r: ExecutionResult; ms: number }> {
  const t0 = performance.now();
  const r = await run;
  return { r, ms: performance.now() - t0 };
}

describe('a clean script beside two runaways', () => {
  it.each(RUNAWAYS.map((r) => [r.name, r] as const))(
    '%s',
    async (_name, runaway) => {
      const enclave = enclaveAt(runaway.level ?? 'STRICT');
      const runaways = await started(enclave, [runaway.code, runaway.code]);
      const clean = await Promise.all(Array.from({ length: 3 }, () => timed(enclave.run(CLEAN))));
      for (const { r, ms } of clean) {
        expect(r, JSON.stringify(r.error)).toMatchObject({ success: true, value: CLEAN_VALUE });
        expect(ms).toBeLessThan(CLEAN_BOUND_MS);
      }
      for (const r of await Promise.all(runaways)) {
        if (runaway.codes.length === 0) expect(r.success, JSON.stringify(r.error)).toBe(true);
        else expect(runaway.codes, JSON.stringify(r.error)).toContain(r.error?.code);
        // Each ended by itself, at its deadline at the latest: never by the watchdog terminating its worker.
        expect(r.error?.message ?? '').not.toMatch(/by force/);
      }
    },
    60_000,
  );

  it('a clean script submitted while runaways of every kind run at once still finishes in time', async () => {
    const enclave = enclaveAt('STRICT');
    const all = await started(
      enclave,
      RUNAWAYS.filter((r) => !r.level).map((r) => r.code),
    );
    // And the pool has answered them with a spare worker, as a server that has been running would have: what the
    // clean script measures is its run beside the runaways, not how long a thread takes to start on a loaded machine.
    await waitFor(
      () => {
        const { workers, running, starting } = enclave.stats;
        return starting === 0 && workers > running;
      },
      { what: 'a spare worker beside the runaways' },
    );
    const { r, ms } = await timed(enclave.run(CLEAN));
    expect(r).toMatchObject({ success: true, value: CLEAN_VALUE });
    // Every runaway holds a worker of its own: the clean script may wait for a new one to start.
    expect(ms).toBeLessThan(CLEAN_BOUND_MS * 2);
    await Promise.all(all);
  }, 60_000);
});

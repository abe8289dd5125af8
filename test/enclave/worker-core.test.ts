// The sandbox worker's core (worker-core.ts) driven directly, with a real engine: the messages it sends the host
// for a run. 'started' restarts the host's watchdog; it is sent only when the script starts late enough to have
// eaten into the watchdog's margin (RunMessage.startedAfter), so a quick run costs the host one wake-up less, or
// after 'preparing': a run that waits for its sandbox to be made says so, and the watchdog waits PREPARE_MS.
import { describe, expect, it } from 'vitest';
import { LEVEL_LIMITS } from '../../src/enclave/levels.js';
import type { ToMain } from '../../src/enclave/runtime/messages.js';
import { ModulePool } from '../../src/enclave/runtime/module-pool.js';
import { workerCore } from '../../src/enclave/runtime/worker-core.js';
import { waitFor } from '../wait-for.js';

function core(): { sent: ToMain[]; handle: ReturnType<typeof workerCore> } {
  const sent: ToMain[] = [];
  const handle = workerCore({ pool: new ModulePool(), post: (m) => void sent.push(m), later: (fn) => setImmediate(fn), noSandbox: 'no sandbox' });
  return { sent, handle };
}

function run(id: number, code: string, startedAfter: number) {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  return { type: 'run' as const, id, code, level: 'STANDARD' as const, limits: LEVEL_LIMITS.STANDARD, globals: '{}', globalNames: [], startedAfter, stop };
}

/**
 * Engine instances from a real ModulePool, counted; from the `heldFrom`-th on (1-based), each waits until release():
 * a sandbox being made for as long as the test wants.
 */
function heldPool(heldFrom: number) {
  const pool = new ModulePool();
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const counts = { acquired: 0 };
  const acquire = async (bytes: number) => {
    if (++counts.acquired >= heldFrom) await held;
    return pool.acquire(bytes);
  };
  return { acquire, release: () => release(), counts };
}

const types = (sent: ToMain[], id: number) => sent.filter((m) => m.type !== 'ready' && m.id === id).map((m) => m.type);

describe('a sandbox serves run after run', () => {
  it('is reset after each run and serves the next: no new engine instance is taken for it', async () => {
    const pool = new ModulePool();
    let acquired = 0;
    const counting = { acquire: (bytes: number) => (acquired++, pool.acquire(bytes)) };
    const sent: ToMain[] = [];
    const handle = workerCore({ pool: counting, post: (m) => void sent.push(m), later: (fn) => setImmediate(fn), noSandbox: 'no sandbox' });
    await waitFor(() => acquired === 1, { what: 'the sandbox prepared ahead of the first script' });
    for (let id = 1; id <= 5; id++) {
      // STRICT: the kind of sandbox the worker prepares ahead of its first script.
      handle({
        ...run(id, `let s = 0;\nfor (let i = 0; i < ${id * 100}; i++) { s += i; }\nreturn s;`, Date.now() + 60_000),
        level: 'STRICT',
        limits: LEVEL_LIMITS.STRICT,
      });
      const done = await waitFor(() => sent.find((m) => m.type === 'done' && m.id === id), { what: `run ${id} to be done` });
      expect(done).toMatchObject({ ok: true, iterations: id * 100 }); // its own iterations: the counters were reset too
    }
    expect(acquired).toBe(1); // the sandbox prepared ahead of the first run, reset after each
  });
});

/** A core that said 'ready': the sandbox it makes ahead of the first script (STRICT's kind) is made. */
async function readyCore(): Promise<ReturnType<typeof core>> {
  const c = core();
  await waitFor(() => c.sent.some((m) => m.type === 'ready'), { what: 'the core to be ready' });
  return c;
}

const strict = (id: number, code: string, startedAfter: number) => ({ ...run(id, code, startedAfter), level: 'STRICT' as const, limits: LEVEL_LIMITS.STRICT });

describe("the worker's 'started' message", () => {
  it('is not sent for a script that starts before startedAfter', async () => {
    const { sent, handle } = await readyCore();
    handle(strict(1, 'return 1 + 1;', Date.now() + 60_000));
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 1), { what: 'the run to be done' });
    expect(types(sent, 1)).toEqual(['done']);
    expect(sent.find((m) => m.type === 'done')).toMatchObject({ ok: true, value: '2' });
  });

  it('is sent, before anything else of the run, for a script that starts at or after startedAfter', async () => {
    const { sent, handle } = await readyCore();
    handle(strict(2, "console.log('x');\nreturn 3;", Date.now()));
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 2), { what: 'the run to be done' });
    expect(types(sent, 2)).toEqual(['started', 'log', 'done']);
  });
});

describe("a sandbox still to be made: 'ready' waits for it, and a run says 'preparing'", () => {
  it("says 'ready' only once the sandbox it makes ahead of the first script is made", async () => {
    const slow = heldPool(1);
    const sent: ToMain[] = [];
    workerCore({ pool: slow, post: (m) => void sent.push(m), later: (fn) => setImmediate(fn), noSandbox: 'no sandbox' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toEqual([]); // a run sent now would wait in the worker, its watchdog counting
    slow.release();
    await waitFor(() => sent.some((m) => m.type === 'ready'), { what: "the core's 'ready'" });
  });

  it("a run whose kind of sandbox is not made yet says 'preparing', then 'started' (however early); the next run of it, neither", async () => {
    const { sent, handle } = await readyCore();
    // STANDARD: 64 MB, not the kind made ahead. 'started' is owed even before startedAfter: the watchdog waits PREPARE_MS.
    handle(run(3, 'return 4;', Date.now() + 60_000));
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 3), { what: 'the run to be done' });
    expect(types(sent, 3)).toEqual(['preparing', 'started', 'done']);
    handle(run(4, 'return 5;', Date.now() + 60_000)); // its sandbox was reset after run 3 and kept
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 4), { what: 'the run to be done' });
    expect(types(sent, 4)).toEqual(['done']);
  });

  it('a run cancelled while its sandbox is made ends at once, and that sandbox then serves the next run of its kind', async () => {
    const slow = heldPool(2); // the first sandbox (STRICT's, made ahead) comes at once; the next one waits
    const sent: ToMain[] = [];
    const handle = workerCore({ pool: slow, post: (m) => void sent.push(m), later: (fn) => setImmediate(fn), noSandbox: 'no sandbox' });
    await waitFor(() => sent.some((m) => m.type === 'ready'), { what: "the core's 'ready'" });
    handle(run(7, 'return 7;', Date.now() + 60_000));
    await waitFor(() => types(sent, 7).includes('preparing'), { what: "run 7's 'preparing'" });
    handle({ type: 'cancel', id: 7, code: 'CANCELLED', message: 'the user pressed stop' });
    // Answered while its sandbox is still being made: not 30 s (the host's watchdog then) after the cancel.
    expect(sent.find((m) => m.type === 'done' && m.id === 7)).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'the user pressed stop' } });
    slow.release();
    handle(run(8, 'return 8;', Date.now() + 60_000));
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 8), { what: 'run 8 to be done' });
    expect(sent.find((m) => m.type === 'done' && m.id === 8)).toMatchObject({ ok: true, value: '8' });
    expect(types(sent, 7)).toEqual(['preparing', 'done']); // nothing more of the cancelled run
    expect(slow.counts.acquired).toBe(2); // run 8 took the sandbox made for run 7
  });

  it("a run that finds its kind still being made says 'preparing' too", async () => {
    const { sent, handle } = core(); // not ready: STRICT's sandbox is being made
    handle(strict(5, 'return 6;', Date.now() + 60_000));
    await waitFor(() => sent.some((m) => m.type === 'done' && m.id === 5), { what: 'the run to be done' });
    expect(types(sent, 5)).toEqual(['preparing', 'started', 'done']);
  });
});

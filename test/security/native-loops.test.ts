// Native loops that ignored the deadline (issue 8): built-ins looping over a huge length never poll the engine's
// interrupt handler, so before the fix only the watchdog stopped them, by killing the worker. Each is now refused
// before the loop starts, or counted; either way the run ends at once with its own code.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';

const strict = new Enclave();
const standard = new Enclave({ securityLevel: 'STANDARD' });
afterAll(() => Promise.all([strict.dispose(), standard.dispose()]));

const HUGE = 'const a = [];\na.length = 4294967295;\n';
/** Far below the deadline: the run must not end by TIMEOUT, and never by the watchdog. */
const PROMPT_MS = 3000;

describe('refused before the native loop starts', () => {
  it.each([
    ['[].includes.call({ length: 1e15 }, 1)', 'return [].includes.call({ length: 1e15 }, 1);'],
    ['join on length 2**32-1', `${HUGE}return a.join(',').length;`],
    ['forEach on length 2**32-1', `${HUGE}let n = 0;\na.forEach(() => n++);\nreturn n;`],
    ['lastIndexOf on length 2**32-1', `${HUGE}return a.lastIndexOf(1);`],
    ['reverse on length 2**32-1', `${HUGE}a.reverse();\nreturn 1;`],
    ['values().drop(4294967290) on length 2**32-1', `${HUGE}return a.values().drop(4294967290).next().done;`],
    ['Array.from({ length: 1e9 })', 'return Array.from({ length: 1e9 }).length;'],
    ['sort of an array-like of length 1e15', 'return [].sort.call({ length: 1e15 }).length;'],
  ])('%s', async (_name, code) => {
    const t0 = performance.now();
    const r = await strict.run(code);
    expect(r.error?.code).toBe('MEMORY_LIMIT');
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
  });

  it('a Date whose toISOString is replaced, inside a shared-reference DAG given to JSON.stringify', async () => {
    const t0 = performance.now();
    const r = await standard.run(
      'const d = new Date(0);\nlet o = [d];\nfor (let i = 0; i < 40; i++) o = [o, o];\nconst iso = () => o;\nd.toISOString = iso;\nreturn JSON.stringify([d]).length;',
    );
    expect(r.error?.code).toBe('RUNTIME_ERROR');
    expect(r.error?.message).toMatch(/toISOString/);
    expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
  });
});

describe('native callbacks count as iterations', () => {
  it('new Array(2e5).fill(-1).map(Math.abs) ends with MAX_ITERATIONS (it recorded 0 iterations)', async () => {
    const r = await strict.run('return new Array(2e5).fill(-1).map(Math.abs).length;');
    expect(r.error?.code).toBe('MAX_ITERATIONS');
  });
  it('a small map(Math.abs) is charged one iteration per element', async () => {
    const r = await strict.run('return new Array(300).fill(-1).map(Math.abs).length;');
    expect(r).toMatchObject({ success: true, value: 300, stats: { iterations: 300 } });
  });
});

// The runtime's failure paths (src/enclave/runtime/): an engine that ran out of memory is dropped whole, never
// freed or reused, and prints nothing; a result that fails the message schema still ends its run; a code the
// prelude did not give a tool error never reaches the result.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/enclave/levels.js';
import { compile } from '../../src/enclave/pipeline.js';
import { CallPolicy } from '../../src/enclave/runtime/call-policy.js';
import type { DoneMessage, ToMain } from '../../src/enclave/runtime/messages.js';
import { ModulePool } from '../../src/enclave/runtime/module-pool.js';
import { WorkerPool, type PoolJob } from '../../src/enclave/runtime/pool.js';
import { PreparedSandbox } from '../../src/enclave/runtime/prepared.js';
import { SandboxExecution } from '../../src/enclave/runtime/sandbox.js';

const root = join(import.meta.dirname, '..', '..');
const limits = resolveLimits('STRICT');
/** Fills the 16 MB budget with live strings: the engine itself runs out of memory (no guard refuses first). */
const ENGINE_OOM = "const keep = [];\nfor (let i = 0; i < 100; i++) keep.push('x'.repeat(1000000) + i);\nreturn keep.length;";

function compiled(code: string) {
  const c = compile({ code, level: 'STRICT', limits, extraGlobals: new Set() });
  if (!c.ok) throw new Error(c.error.message);
  return c;
}

/** One execution in this thread on a real sandbox; reports the result and whether its instance went back for reuse. */
async function execute(code: string, onPost: (message: ToMain, execution: SandboxExecution) => void = () => {}) {
  const lease = await new ModulePool().acquire(limits.memoryBytes);
  let released: boolean | undefined;
  let recycled: boolean | undefined;
  const sandbox = new PreparedSandbox(
    {
      ...lease,
      release: (healthy) => {
        released = healthy;
      },
    },
    { memoryBytes: limits.memoryBytes, regex: false },
  );
  const c = compiled(code);
  const plan = { id: 1, transformed: c.transformed, limits, globals: '{}', policy: new CallPolicy('STRICT', c.transformed.literals, c.facts, c.score.score) };
  const done = await new Promise<DoneMessage>((resolve) => {
    const execution: SandboxExecution = new SandboxExecution(
      plan,
      sandbox,
      new Int32Array(new SharedArrayBuffer(4)),
      (m) => onPost(m, execution),
      resolve,
      (reusable) => {
        recycled = reusable !== undefined;
      },
    );
    execution.start();
  });
  return { done, released, recycled, runtimeAlive: sandbox.runtime.alive };
}

describe('an engine out of memory', () => {
  it('is dropped whole: its runtime is not freed and its instance is not reused', async () => {
    const r = await execute(ENGINE_OOM);
    expect(r.done).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT' } });
    expect(r.released).toBe(false);
    expect(r.recycled).toBe(false); // its memory grew to the cap: it cannot be put back as prepared
    expect(r.runtimeAlive).toBe(true); // JS_FreeRuntime is never reached: it may fail its leak assertion
  });

  it('a guard that refuses ahead of time leaves the sandbox healthy: it is reset for the next run', async () => {
    const r = await execute("return 'x'.repeat(1e9).length;");
    expect(r.done).toMatchObject({ ok: false, error: { code: 'MEMORY_LIMIT' } });
    expect(r).toMatchObject({ released: undefined, recycled: true, runtimeAlive: true });
  });

  it('prints nothing on stderr, and the next run on the same worker works', () => {
    const child = `import { Enclave } from './src/enclave/index.ts';
const enclave = new Enclave({ poolSize: 1 });
const out = [];
for (const code of JSON.parse(process.argv[1])) out.push(await enclave.run(code));
// dispose() awaits each worker's exit, and Node drains a worker's stdio before its exit event: whatever the engine
// printed, late or not, is on this process's stderr by now.
await enclave.dispose();
process.stdout.write(JSON.stringify(out.map((r) => r.success ? r.value : r.error.code)));`;
    const scripts = [ENGINE_OOM, ENGINE_OOM, 'return 1 + 1;'];
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, JSON.stringify(scripts)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['MEMORY_LIMIT', 'MEMORY_LIMIT', 2]);
  }, 70_000);
});

describe('results the host cannot trust', () => {
  it('a failure with a code the prelude did not give ends as RUNTIME_ERROR', async () => {
    // The script waits on a tool; meanwhile a failure with a forged code arrives, then the tool answers.
    const r = await execute("await callTool('a:b', {});\nreturn 1;", (m, execution) => {
      if (m.type !== 'tool-call') return;
      setImmediate(() => {
        execution.fail(JSON.stringify({ name: 'Error', message: 'forged', stack: '', code: 'pwned' }), 0, 1);
        execution.toolResult(m.callId, true, 'null', undefined);
      });
    });
    expect(r.done).toMatchObject({ ok: false, error: { code: 'RUNTIME_ERROR', message: 'Error: forged' } });
  });

  let pool: WorkerPool | undefined;
  afterEach(() => pool?.dispose());

  it('a result that fails the message schema ends its run with INTERNAL_ERROR at once, not at the watchdog', async () => {
    pool = new WorkerPool({ size: 1, maxWorkers: 1, maxQueue: 4, graceMs: 500 });
    const worker = (pool as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker; // private: the test plays a faulty worker
    const started = Date.now();
    const done = await new Promise<DoneMessage>((resolve) => {
      const job: PoolJob = {
        id: 7,
        code: "await callTool('a:b', {});",
        level: 'STRICT',
        limits,
        globals: '{}',
        globalNames: [],
        // The run now waits on a tool that never answers; the worker "reports" a result outside the schema.
        onToolCall: () => worker.emit('message', { type: 'done', id: 7, ok: false, error: { code: 'pwned', message: 'x' }, iterations: 0, toolCalls: 0 }),
        onToolCancel: () => {},
        onLog: () => {},
        onDone: resolve,
      };
      pool!.submit(job);
    });
    expect(done).toMatchObject({ ok: false, error: { code: 'INTERNAL_ERROR' } });
    expect(Date.now() - started).toBeLessThan(limits.timeoutMs);
  });
});

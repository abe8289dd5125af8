// Runs code in one real sandbox, in this thread: the worker's own classes (PreparedSandbox, SandboxExecution), no
// worker in between. `raw` skips validation and the transform: what runs is exactly the code given, so a test can
// show that the sandbox-side runtime holds by itself, where a script has talked its way past both.
import { resolveLimits, type LimitsOverride, type SecurityLevel } from '../../../src/enclave/levels.js';
import { compile } from '../../../src/enclave/pipeline.js';
import { levelAllows } from '../../../src/enclave/policy.js';
import { gatherFacts } from '../../../src/enclave/score.js';
import { parseScript } from '../../../src/enclave/parse.js';
import type { Program } from 'acorn';
import { CallPolicy } from '../../../src/enclave/runtime/call-policy.js';
import type { DoneMessage } from '../../../src/enclave/runtime/messages.js';
import { ModulePool } from '../../../src/enclave/runtime/module-pool.js';
import { PreparedSandbox } from '../../../src/enclave/runtime/prepared.js';
import { SandboxExecution, type RunPlan } from '../../../src/enclave/runtime/sandbox.js';
import { GUARD, type Transformed } from '../../../src/enclave/transform.js';

export interface SandboxRun {
  done: DoneMessage;
  logs: { level: string; message: string }[];
  calls: { name: string; args: unknown }[];
}

export interface RunInSandboxOptions {
  level?: SecurityLevel;
  limits?: LimitsOverride;
  /** Run the code as written: no validation, no transform (only the wrapper every script runs in). */
  raw?: boolean;
  /** Answers tool calls (default: echoes the arguments). */
  tool?: (name: string, args: unknown) => unknown;
}

const modules = new ModulePool();
/** Facts for raw code acorn cannot read (the sandbox's own syntax, not AgentScript's): none. */
const EMPTY = (parseScript('0') as { ok: true; ast: Program }).ast;

/** The code wrapped as the transform wraps every script, and nothing else. */
function rawPlan(code: string): Transformed {
  return { code: `"use strict";${GUARD.run}(async function () {${code}\n});`, literals: new Set(), mapPosition: (line, column) => ({ line, column }) };
}

export async function runInSandbox(code: string, options: RunInSandboxOptions = {}): Promise<SandboxRun> {
  const level = options.level ?? 'STRICT';
  const limits = resolveLimits(level, options.limits);
  let plan: RunPlan;
  if (options.raw) {
    const parsed = parseScript(code);
    const facts = gatherFacts(parsed.ok ? parsed.ast : EMPTY);
    plan = { id: 1, transformed: rawPlan(code), limits, globals: '{}', policy: new CallPolicy(level, new Set(), facts, 0) };
  } else {
    const c = compile({ code, level, limits, extraGlobals: new Set() });
    if (!c.ok) throw new Error(`the script does not compile: ${c.error.message}`);
    plan = { id: 1, transformed: c.transformed, limits, globals: '{}', policy: new CallPolicy(level, c.transformed.literals, c.facts, c.score.score) };
  }
  const lease = await modules.acquire(limits.memoryBytes);
  const sandbox = new PreparedSandbox(lease, { memoryBytes: limits.memoryBytes, regex: levelAllows(level, 'regex') });
  const logs: SandboxRun['logs'] = [];
  const calls: SandboxRun['calls'] = [];
  const done = await new Promise<DoneMessage>((resolve) => {
    const execution: SandboxExecution = new SandboxExecution(
      plan,
      sandbox,
      new Int32Array(new SharedArrayBuffer(4)),
      (m) => {
        if (m.type === 'log') logs.push({ level: m.level, message: m.message });
        if (m.type !== 'tool-call') return;
        const args = JSON.parse(m.args) as unknown;
        calls.push({ name: m.name, args });
        setImmediate(() => {
          const answer = options.tool ? options.tool(m.name, args) : args;
          if (answer instanceof Error) execution.toolResult(m.callId, false, undefined, { code: 'TOOL_ERROR', message: answer.message });
          else execution.toolResult(m.callId, true, JSON.stringify(answer ?? null), undefined);
        });
      },
      resolve,
    );
    execution.start();
  });
  return { done, logs, calls };
}

/** The value of a successful run, or the failure as an Error naming its code. */
export function valueOf(run: SandboxRun): unknown {
  if (!run.done.ok) throw new Error(`${run.done.error?.code}: ${run.done.error?.message}`);
  return JSON.parse(run.done.value ?? 'null');
}

export const codeOf = (run: SandboxRun): string | undefined => (run.done.ok ? undefined : run.done.error?.code);

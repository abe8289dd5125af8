// The Enclave's properties: valid programs, mutated programs (at STANDARD and STRICT) and hostile tool results.
// Every run must resolve to the shape of DESIGN §5, end within its deadline plus a grace, show no canary and no
// host path anywhere in its JSON, and never be INTERNAL_ERROR (its page: "an engine failure that a script keeps
// triggering is a bug"). Grammar programs are also run by V8 (reference.ts) and must agree with it; mutated ones must
// get the verdict validate() gives them. Afterwards the same Enclave still runs `return 1 + 1`.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Enclave, type ExecutionResult, type RunOptions, type SecurityLevel, type ToolHandler, ToolCallError } from '../../src/enclave/index.js';
import { expectNoLeak, SECRET_CANARY } from './canaries.js';
import { type FuzzTarget, type Harness, type Tally, withStallMeter } from './fuzz-kit.js';
import { handlerFor, RESULT_SCRIPTS, reply, type Reply } from './hostile-values.js';
import { applyMutations, type MutatedProgram, mutationList } from './mutations.js';
import { validProgram } from './programs.js';
import { reference } from './reference.js';
import { checkShape, type FuzzResult } from './shape.js';

/** Short deadlines keep runaways cheap. */
export const TIMEOUT_MS = 1_500;
/**
 * What a run may take past its deadline: the watchdog's 500 ms, replacing a worker, and waiting for a core on a
 * shared two-core machine (a plain run took 2.9 s of wall time at a load average of 10). A hang, such as the 20 s of
 * JSON.stringify over a DAG in DESIGN §2, blows through it. FUZZ_GRACE_MS overrides it.
 */
export const GRACE_MS = Number(process.env.FUZZ_GRACE_MS) || 3_000;

/**
 * DESIGN §2 holds the host's main thread to 50 ms on any input; on a shared two-core machine the scheduler and the
 * collector add their own pauses, and large results block it for hundreds of ms today (the known bug pinned in
 * tool-results.test.ts), so this only catches a freeze. The table of `npm run fuzz` shows the worst stall seen.
 */
export const MAX_STALL_MS = Number(process.env.FUZZ_MAX_STALL_MS) || 1_000;

/** 'fx:echo' answers with its `text`, parsed when it is JSON, as the bridge does with a server's text. */
export const echoHandler: ToolHandler = async (name, args) => {
  if (name !== 'fx:echo') throw new ToolCallError('UNKNOWN_TOOL', `Unknown tool "${name}". The tool is fx:echo.`);
  if (typeof args.text !== 'string') throw new ToolCallError('INVALID_TOOL_ARGS', 'text must be a string.');
  try {
    return JSON.parse(args.text) as unknown;
  } catch {
    return args.text;
  }
};

const enclaveAt = (securityLevel: SecurityLevel): Enclave =>
  new Enclave({ securityLevel, limits: { timeoutMs: TIMEOUT_MS }, secrets: [SECRET_CANARY], toolHandler: echoHandler });

/** Runs `code` and checks what every run must satisfy; returns the checked result. */
export async function judgedRun(enclave: Enclave, code: string, tally: Tally, options: RunOptions = {}): Promise<FuzzResult> {
  const t0 = performance.now();
  const { value: raw, stallMs } = await withStallMeter((): Promise<ExecutionResult> => enclave.run(code, options));
  const wall = performance.now() - t0;
  const result = checkShape(raw);
  tally.took(wall, result.error?.code ?? 'ok');
  tally.stalled(stallMs, result.error?.code ?? 'ok');
  if (stallMs > MAX_STALL_MS) throw new Error(`the host's event loop stalled for ${Math.round(stallMs)} ms during the run`);
  const limit = TIMEOUT_MS + GRACE_MS;
  if (wall > limit || result.stats.durationMs > limit) {
    throw new Error(
      `the run took ${Math.round(wall)} ms (durationMs ${Math.round(result.stats.durationMs)}), past its deadline of ${TIMEOUT_MS} ms + ${GRACE_MS} ms grace`,
    );
  }
  expectNoLeak(JSON.stringify(raw), 'the result');
  if (result.error?.code === 'INTERNAL_ERROR') throw new Error(`INTERNAL_ERROR: ${result.error.message}`);
  return result;
}

async function expectCleanRun(enclave: Enclave): Promise<void> {
  const after = await enclave.run('return 1 + 1');
  if (!after.success || after.value !== 2) throw new Error(`return 1 + 1 failed on the same Enclave afterwards: ${JSON.stringify(after)}`);
}

function enclaveHarness<C>(levels: SecurityLevel[], check: (enclaves: Enclave[], input: C, tally: Tally) => Promise<string>): () => Promise<Harness<C>> {
  return async () => {
    const enclaves = levels.map(enclaveAt);
    // Started before the first case: a cold pool start on a loaded machine took 5 s, which is no run's doing.
    for (const enclave of enclaves) await expectCleanRun(enclave);
    return {
      check: (input, tally) => check(enclaves, input, tally),
      afterwards: async () => {
        for (const enclave of enclaves) await expectCleanRun(enclave);
      },
      close: async () => void (await Promise.all(enclaves.map((e) => e.dispose()))),
    };
  };
}

export const programsTarget: FuzzTarget<string> = {
  name: 'programs',
  what: 'valid AgentScript from the grammar, at STANDARD, against V8',
  ciRuns: 200,
  weight: 3,
  arbitrary: validProgram,
  open: enclaveHarness(['STANDARD'], async ([enclave], code, tally) => {
    const checked = enclave!.validate(code);
    if (!checked.valid) throw new Error(`a program of the grammar was refused at STANDARD: ${JSON.stringify(checked.issues)}`);
    const result = await judgedRun(enclave!, code, tally);
    if (result.error?.code === 'VALIDATION_ERROR') throw new Error(`validate() accepted the program but run() refused it: ${result.error.message}`);
    await expectSameAsV8(code, result);
    return result.error?.code ?? 'ok';
  }),
};

/** Env values the redactor takes out of values (sanitize.ts's rule); a reference holding one is not comparable. */
const REDACTED = Object.entries(process.env)
  .filter(([name, value]) => /SECRET|TOKEN|PASSW|API_?KEY|PRIVATE|CREDENTIAL|AUTH/i.test(name) && (value?.length ?? 0) >= 6)
  .map(([, value]) => value!);

/**
 * Differential: a grammar program the Enclave ran to completion gives V8's value and console lines; one it failed
 * with RUNTIME_ERROR also throws in V8. (Limits, TIMEOUT and the like are the Enclave's to impose: not compared.)
 */
async function expectSameAsV8(code: string, result: FuzzResult): Promise<void> {
  if (!result.success && result.error?.code !== 'RUNTIME_ERROR') return;
  const v8 = await reference(code);
  if (!result.success) {
    if (v8.ok) throw new Error(`the Enclave failed with RUNTIME_ERROR where V8 runs the program: ${result.error?.message}`);
    return;
  }
  if (!v8.ok) throw new Error(`the Enclave ran the program, V8 threw: ${v8.error}`);
  const expected = JSON.stringify(v8.value);
  if (REDACTED.some((secret) => expected.includes(secret))) return;
  if (!isDeepStrictEqual(result.value ?? null, v8.value))
    throw new Error(`the Enclave's value differs from V8's: ${JSON.stringify(result.value)} vs ${expected}`);
  const lines = result.logs.map((l) => l.message);
  if (v8.logs.length < 1_000 && !isDeepStrictEqual(lines, v8.logs))
    throw new Error(`the Enclave's console lines differ from V8's: ${JSON.stringify(lines)} vs ${JSON.stringify(v8.logs)}`);
}

export interface LeveledMutation extends MutatedProgram {
  strict: boolean;
}
export const mutationsTarget: FuzzTarget<LeveledMutation> = {
  name: 'mutations',
  what: 'mutated programs with hostile snippets, at STANDARD and STRICT',
  ciRuns: 250,
  weight: 3,
  arbitrary: fc.record({ base: validProgram, mutations: mutationList, strict: fc.boolean() }),
  open: enclaveHarness(['STANDARD', 'STRICT'], async ([standard, strict], input, tally) => {
    const enclave = input.strict ? strict! : standard!;
    const code = applyMutations(input);
    const checked = enclave.validate(code);
    const result = await judgedRun(enclave, code, tally);
    const got = result.error?.code;
    // The other way round is by design: the run-time guards refuse what the text hid (a computed "__proto__", a
    // constructor reached through a value) with a VALIDATION_ERROR of their own.
    if (!checked.valid && got !== checked.error?.code)
      throw new Error(`validate() refused the script (${checked.error?.code}) but run() gave ${got ?? 'success'}`);
    return checked.valid ? `ran: ${got ?? 'ok'}` : `refused: ${got}`;
  }),
};

export interface HostileCase {
  script: number;
  replies: Reply[];
}
export const toolResultsTarget: FuzzTarget<HostileCase> = {
  name: 'tool-results',
  what: 'hostile tool results and errors, the secret planted in them',
  ciRuns: 150,
  weight: 2,
  arbitrary: fc.record({ script: fc.nat(RESULT_SCRIPTS.length - 1), replies: fc.array(reply, { minLength: 1, maxLength: 2 }) }),
  open: enclaveHarness(['STANDARD'], async ([enclave], input, tally) => {
    const result = await judgedRun(enclave!, RESULT_SCRIPTS[input.script]!, tally, { toolHandler: handlerFor(input.replies) });
    return result.error?.code ?? 'ok';
  }),
};

// The numbers the sandbox-side runtime works with, derived from a run's limits in one place.
import type { Limits } from '../levels.js';
import { MAX_SCRIPT_MESSAGE_LENGTH } from '../errors.js';

/** Deepest JSON nesting the sandbox's JSON.parse / stringify and tool results accept (the host stack is the bound). */
export const MAX_JSON_DEPTH = 100;
/**
 * Largest JSON text of one tool call's arguments, at every level: the host parses it on its main thread (a
 * million bytes in about 10 ms), where a script's 400,000-key arguments took 282 ms. A tool that takes more should
 * take a reference to the data instead.
 */
export const MAX_TOOL_ARGS_BYTES = 1024 * 1024;

/** Seeds drawn from Web Crypto (in Node's workers and browsers alike) 256 at a time, each handed out once. */
const SEED_WORDS = 4;
const seeds = new Uint32Array(SEED_WORDS * 256);
let nextSeed = seeds.length;

/**
 * Four random words, never handed out before. getRandomValues is a system call: ~5 µs in a loop on the bench
 * machine, ~40 µs per run as profiled in a worker that had just woken; made once per 256 runs instead.
 */
export function freshSeed(): number[] {
  if (nextSeed === seeds.length) {
    crypto.getRandomValues(seeds);
    nextSeed = 0;
  }
  const seed = seeds.subarray(nextSeed, nextSeed + SEED_WORDS);
  nextSeed += SEED_WORDS;
  const words = [...seed];
  seed.fill(0); // a seed leaves this buffer once: nothing keeps a used one
  return words;
}

export function sandboxConfig(limits: Limits, deadline: number, globals: string, maxToolNameLength: number): Sandbox.Config {
  return {
    maxIterations: limits.maxIterations,
    maxToolCalls: limits.maxToolCalls,
    maxConcurrency: limits.maxConcurrency,
    maxResultBytes: limits.maxResultBytes,
    maxLogBytes: limits.maxLogBytes,
    maxLogCalls: limits.maxLogCalls,
    // A string of n characters costs at least n bytes; an array element at least 16 (one engine value).
    maxStringLength: Math.floor(limits.memoryBytes / 2),
    maxArrayLength: Math.floor(limits.memoryBytes / 16),
    maxJsonDepth: MAX_JSON_DEPTH,
    // Each JSON value costs at least two bytes of output; a shared-reference DAG counts every visit.
    maxJsonNodes: Math.min(1_000_000, Math.max(50_000, Math.floor(limits.maxResultBytes / 8))),
    maxMessageLength: MAX_SCRIPT_MESSAGE_LENGTH,
    maxToolNameLength,
    maxToolArgsBytes: Math.min(MAX_TOOL_ARGS_BYTES, Math.floor(limits.memoryBytes / 2)),
    deadline,
    // A sandbox is reused, so its generator needs a new seed every run.
    seed: freshSeed(),
    globals,
  };
}

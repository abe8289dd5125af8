// The shape of one adversarial case (DESIGN §8: attacks are data, grouped by technique).
import type { ErrorCode, ExecutionResult, JsonObject, LimitsOverride, SecurityLevel } from '../../../src/enclave/index.js';

/**
 * What a safe outcome looks like. A failure is safe when its code is in `codes`. A success is safe when `value` is
 * given and the value equals it, or, without a `value`, when `success` is true (any value: the canary and host-path
 * checks still apply). Giving `codes` and `value` (or `success`) accepts either outcome.
 */
export interface Expect {
  codes?: ErrorCode[];
  success?: true;
  value?: unknown;
}

export interface Attack {
  name: string;
  code: string;
  /** STRICT when absent. */
  level?: SecurityLevel;
  expect: Expect;
  /** Served for every `evil:*` tool call of this attack (the suite's handler also knows a few fixed evil tools). */
  toolResult?: (name: string, args: JsonObject) => unknown;
  /** A clean script run next on the same Enclave: what the attack left behind must not be visible to it. */
  after?: { code: string; expect: Expect };
  /** Extra host-side assertion on the result: returns a description of what is wrong, or null. */
  check?: (result: ExecutionResult) => string | null;
  /** Limits for this attack (it then gets an Enclave of its own). */
  limits?: LimitsOverride;
  /**
   * May end only through the watchdog (a terminated worker) or take seconds: runs concurrently with the
   * other slow attacks, each on an Enclave of its own, so a killed worker fails nothing else.
   */
  slow?: boolean;
  /**
   * The run may cost at most this many milliseconds of CPU, the host's and its sandbox worker's (a host that works for
   * long before refusing is a DoS). CPU time, not the wall: a loaded machine stretches the wall, not the work. A run
   * that waits instead of working ends by its deadline, which the expected code rules out. Never on a slow attack
   * (slow ones run side by side, and their CPU would mix).
   */
  maxMs?: number;
}

/** Side effects a hostile tool result must never cause on the host (getters, traps, overridden methods). */
export const tripwire: string[] = [];

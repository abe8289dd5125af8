// One execution's side of the trust policy: before each call, the per-tool limits, the data-flow labels and human
// approval; after it, what a sensitive tool returned. State is per execution (ToolCallContext.run), held by the
// bridge outside the sandbox, so nothing a script does can reset it.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolCallError, type JsonValue, type ToolCallContext } from '../enclave/index.js';
import { leafEntries, recordSliced } from './flow-slices.js';
import { FlowTracker } from './flow-tracker.js';
import type { ToolPolicy } from './policy.js';

/** What a person is asked before an approval-needing call runs. `args` are redacted already. */
export interface ApprovalRequest {
  tool: string;
  /** The tool's own short description (sanitized), when it has one. */
  description?: string;
  args: JsonValue;
  /** How long the person has to answer. */
  timeoutMs: number;
}

export type ApprovalAnswer = 'accept' | 'decline' | 'cancel';

/** Asks a person (MCP elicitation, a terminal). `signal` aborts when the script no longer waits for the call. */
export type Approver = (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;

/** Who runs the script and how to reach them, for one execution. */
export interface Caller {
  /** Absent when nobody can be asked (a client without elicitation, `run` without a terminal). */
  approver?: Approver;
  /** The principal's name, for `unattended`. */
  principal?: string;
  /** The principal's own narrowing of the allowlist: a tool it does not allow does not exist for it (UNKNOWN_TOOL). */
  allows?: (name: string) => boolean;
}

const blocked = (message: string): ToolCallError => new ToolCallError('POLICY_BLOCKED', message);

/**
 * How much of what an egress tool was sent in each argument is kept, to meet the next piece sent in the same
 * argument, and for how many arguments. Pieces interleaved with filler, or moved between arguments, evade it.
 */
const SENT_TAIL = 2048;
const SENT_PATHS = 256;

export class CallGate {
  readonly #policy: ToolPolicy;
  readonly #calls = new Map<string, number>();
  /** Sensitive tools called so far, in order (for "calls" tracking and for messages). */
  readonly #sensitiveCalled: string[] = [];
  /** Made when first needed: most executions never index a sensitive result, and each tracker allocates tables. */
  #tracker: FlowTracker | undefined;
  /**
   * Sensitive results not yet given to the tracker. They are indexed when an egress call is first checked, and then
   * a slice at a time: a script that never calls an egress tool never pays for it, and none holds the main thread.
   */
  readonly #pending: Array<[tool: string, value: JsonValue]> = [];
  #indexing: Promise<void> | undefined;
  /** Indexing failed (out of memory): every egress call after a sensitive one is refused from then on. */
  #failedClosed = false;
  /** Tools the person declined in this execution: not asked about again (a script could ask until they give in). */
  readonly #declined = new Set<string>();
  /** The tail of what each egress tool was sent so far: a value sent in pieces, one call each, meets itself here. */
  readonly #sent = new Map<string, Map<string, string>>();

  constructor(policy: ToolPolicy) {
    this.#policy = policy;
  }

  private get tracker(): FlowTracker {
    this.#tracker ??= new FlowTracker({ minLength: this.#policy.flowMinLength });
    return this.#tracker;
  }

  /**
   * Throws POLICY_BLOCKED when the call may not run. Counts it against its tool's limit first, so that calls
   * made at once cannot all pass one check; a call refused later (flow, approval) gives its count back.
   */
  async before(
    name: string,
    tool: Pick<Tool, 'annotations' | 'description'>,
    args: JsonValue,
    caller: Caller,
    context: Pick<ToolCallContext, 'signal' | 'untimed'>,
    redactedArgs: () => JsonValue,
  ): Promise<void> {
    const max = this.#policy.maxCalls(name);
    const made = this.#calls.get(name) ?? 0;
    if (max !== undefined && made >= max) {
      throw blocked(
        `${name} may be called at most ${max} time${max === 1 ? '' : 's'} per execution (the manifest's toolLimits), and this script already called it ${made} time${made === 1 ? '' : 's'}. Do the rest in another execution, or catch the error and go on.`,
      );
    }
    this.#calls.set(name, made + 1);
    try {
      await this.checkFlow(name, args);
      await this.approve(name, tool, caller, context, redactedArgs);
      // Counted as called once it is sent, whatever comes back: a failed call can carry data too (an error that
      // quotes a value), and "calls" tracking promises that no egress call follows any sensitive call.
      if (this.#policy.has(name, 'sensitive') && !this.#sensitiveCalled.includes(name)) this.#sensitiveCalled.push(name);
    } catch (error) {
      this.#calls.set(name, (this.#calls.get(name) ?? 1) - 1);
      throw error;
    }
  }

  /** Records what a sensitive tool returned (the result as the script gets it), or the text of its error. */
  after(name: string, result: JsonValue): void {
    if (this.#policy.flowTracking === 'values' && this.#policy.has(name, 'sensitive')) this.#pending.push([name, result]);
  }

  /** Gives every pending sensitive result to the tracker; calls checked at once wait for the same indexing. */
  private indexPending(): Promise<void> {
    this.#indexing ??= (async () => {
      try {
        for (let next = this.#pending[0]; next; next = this.#pending[0]) {
          await recordSliced(this.tracker, next[0], next[1]);
          this.#pending.shift();
        }
      } catch {
        this.#failedClosed = true; // what could not be indexed could be anywhere: fail closed
        this.#pending.length = 0;
      }
    })().finally(() => {
      this.#indexing = undefined;
    });
    return this.#indexing;
  }

  private async checkFlow(name: string, args: JsonValue): Promise<void> {
    if (this.#sensitiveCalled.length === 0 || !this.#policy.has(name, 'egress')) return;
    let sources = this.#sensitiveCalled;
    if (this.#policy.flowTracking === 'values') {
      while (this.#pending.length > 0 || this.#indexing) await this.indexPending();
      // Each argument is checked after what the same argument of the same tool was sent before (a body sent in pieces).
      const before = this.#sent.get(name);
      const joined = before ? [...leafEntries(args)].flatMap(([path, text]) => (before.has(path) ? [`${before.get(path)}\n${text}`] : [])) : [];
      sources = this.#failedClosed ? this.#sensitiveCalled : this.tracker.find(joined.length > 0 ? [joined, args] : args);
    }
    const from = sources.find((source) => !this.#policy.flowAllowed(source, name));
    if (from === undefined) {
      if (this.#policy.flowTracking === 'values') this.remember(name, args);
      return;
    }
    const what =
      this.#policy.flowTracking === 'calls'
        ? `this execution already called ${from} (labelled sensitive), and the manifest refuses any call of ${name} (labelled egress) after that`
        : `the arguments of ${name} (labelled egress) carry data that ${from} (labelled sensitive) returned`;
    throw blocked(
      `Data flow refused: ${what}. Return the data as the script's result instead, so the person decides what to send; the labels and allowed flows are the manifest's, not the script's, to change.`,
    );
  }

  /** Keeps the last SENT_TAIL characters of what each argument of `name` was sent (pieces sent one call each meet here). */
  private remember(name: string, args: JsonValue): void {
    let tails = this.#sent.get(name);
    if (!tails) this.#sent.set(name, (tails = new Map()));
    for (const [path, text] of leafEntries(args)) {
      if (!tails.has(path) && tails.size >= SENT_PATHS) continue;
      const tail = `${tails.get(path) ?? ''}\n${text}`;
      tails.set(path, tail.length > SENT_TAIL ? tail.slice(-SENT_TAIL) : tail);
    }
  }

  private async approve(
    name: string,
    tool: Pick<Tool, 'annotations' | 'description'>,
    caller: Caller,
    { signal, untimed }: Pick<ToolCallContext, 'signal' | 'untimed'>,
    redactedArgs: () => JsonValue,
  ): Promise<void> {
    if (!this.#policy.needsApproval(name, tool) || this.#policy.unattended(caller.principal)) return;
    if (!caller.approver) {
      throw blocked(
        `${name} needs a person's approval, and this client cannot ask (it does not support MCP elicitation; \`run\` asks only on an interactive terminal). Return what the call would do as the result instead, so the person can do it.`,
      );
    }
    if (this.#declined.has(name)) {
      throw blocked(
        `The person already declined a call of ${name} in this execution; it is not asked again. Return what you wanted to do as the result instead.`,
      );
    }
    const timeoutMs = this.#policy.approvalTimeoutMs;
    let answer: ApprovalAnswer;
    try {
      // A person takes their time: the script's clock stops while they decide (bounded by timeoutMs).
      const request = { tool: name, ...(tool.description ? { description: tool.description } : {}), args: redactedArgs(), timeoutMs };
      answer = await untimed(caller.approver(request, signal));
    } catch {
      answer = 'cancel'; // no answer in time, the client went away, or it failed the request: not an approval
    }
    if (answer === 'accept') return;
    if (answer === 'decline') this.#declined.add(name);
    throw blocked(
      answer === 'decline'
        ? `The person declined the call of ${name}. Do not try it again in this script; return what you wanted to do as the result instead.`
        : `The call of ${name} was not approved (the request was cancelled or got no answer within ${Math.round(timeoutMs / 1000)} s). Return what you wanted to do as the result instead.`,
    );
  }
}

// The manifest's trust policy (DESIGN §6) compiled once: labels, flows, approval and per-tool limits as questions
// about one tool name. What a single execution did so far (calls counted, data read) lives in call-gate.ts.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { PatternSet } from './allowlist.js';
import type { Manifest } from './manifest.js';
import type { LABELS } from './manifest-schema.js';

export type Label = (typeof LABELS)[number];

/** How long a person has to answer an approval request when the manifest does not say. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

interface Flow {
  from: PatternSet;
  to: PatternSet;
}

export class ToolPolicy {
  readonly flowTracking: 'values' | 'calls';
  readonly flowMinLength: number;
  readonly approvalTimeoutMs: number;
  readonly #labels: Array<[PatternSet, readonly Label[]]>;
  readonly #flows: readonly Flow[];
  readonly #approve: PatternSet;
  readonly #noApproval: PatternSet;
  readonly #unattended: ReadonlySet<string>;
  readonly #limits: Array<[PatternSet, number]>;

  constructor(manifest: Manifest) {
    this.flowTracking = manifest.flowTracking;
    this.flowMinLength = manifest.flowMinLength;
    this.approvalTimeoutMs = manifest.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.#labels = Object.entries(manifest.labels ?? {}).map(([p, labels]) => [new PatternSet([p], `labels.${p}`), labels]);
    this.#flows = (manifest.flows ?? []).map((f, i) => ({ from: new PatternSet([f.from], `flows[${i}].from`), to: new PatternSet([f.to], `flows[${i}].to`) }));
    this.#approve = new PatternSet(manifest.approve ?? [], 'approve');
    this.#noApproval = new PatternSet(manifest.noApproval ?? [], 'noApproval');
    this.#unattended = new Set(manifest.unattended ?? []);
    this.#limits = Object.entries(manifest.toolLimits ?? {}).map(([p, l]) => [new PatternSet([p], `toolLimits.${p}`), l.maxCalls]);
  }

  /** True when the manifest labels no tool: the flow checks can be skipped altogether. */
  get unlabelled(): boolean {
    return this.#labels.length === 0;
  }

  has(name: string, label: Label): boolean {
    return this.#labels.some(([patterns, labels]) => labels.includes(label) && patterns.matches(name));
  }

  /** A `flows` entry lets data of `from` (a sensitive tool) reach `to` (an egress tool). */
  flowAllowed(from: string, to: string): boolean {
    return this.#flows.some((f) => f.from.matches(from) && f.to.matches(to));
  }

  /**
   * Listed in `approve`, or annotated `destructiveHint: true` by its server and not exempted by `noApproval`. Only an
   * explicit true counts: the protocol's default for an absent hint is "destructive", which would make every
   * unannotated tool ask, and a server that cannot be bothered to annotate is no evidence either way.
   */
  needsApproval(name: string, tool: Pick<Tool, 'annotations'>): boolean {
    if (this.#approve.matches(name)) return true;
    return tool.annotations?.destructiveHint === true && !this.#noApproval.matches(name);
  }

  /** The caller may skip approval (`unattended`: "*" or, once principals exist, its name). */
  unattended(principal: string | undefined): boolean {
    return this.#unattended.has('*') || (principal !== undefined && this.#unattended.has(principal));
  }

  /** Calls of `name` allowed per execution: the smallest limit among the patterns it matches; undefined when none. */
  maxCalls(name: string): number | undefined {
    let max: number | undefined;
    for (const [patterns, limit] of this.#limits) if (patterns.matches(name) && (max === undefined || limit < max)) max = limit;
    return max;
  }
}

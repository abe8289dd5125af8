// Stage 4: the scoring gate. It blocks only what it can name with confidence: credential material (a secret
// file, a password or token field, a secret store) read and then sent out through an egress tool (email, chat,
// webhook, upload). Other signs (obfuscating encodings, bulk reads, tools the static score cannot name) weigh
// less, so that only their combination crosses a threshold. Reading from one system and writing to another is
// ordinary work and scores 0; reading and then posting a summary scores 10. Stopping exfiltration for sure is
// the data-flow policy's job (labels and flows at the bridge), not this heuristic's.
//
// The rules run on facts (score-facts.ts) and a sequence of tool names: the script's static names before it
// runs, or the calls it actually made when the runtime asks before each call, so an aliased callTool gains nothing.
import type * as acorn from 'acorn';
import type { SecurityLevel } from './levels.js';
import { gatherFacts, type Evidence, type ScoreFacts } from './score-facts.js';
import { BULK_VERBS, classifyTool, type ToolClass } from './score-words.js';

export { gatherFacts, type Evidence, type ScoreFacts };

export interface Signal {
  rule: string;
  points: number;
  detail: string;
  /** The tools of the flagged pattern, in call order (the read, then the egress). */
  tools: string[];
}
export interface ScoreReport {
  score: number;
  signals: Signal[];
}

interface Step extends ToolClass {
  name: string;
}
interface View {
  facts: ScoreFacts;
  steps: readonly Step[];
  /** Scoring the script's own names before it runs (rather than the calls it made). */
  isStatic: boolean;
  /** Credential material: attributed to a tool, or found elsewhere in the script (`loose`). */
  secrets: readonly Evidence[];
  loose: readonly Evidence[];
}
interface Match {
  detail: string;
  tools: string[];
}
interface Rule {
  rule: string;
  weight: number;
  /** The flagged pattern: a description naming its tools, or null when it is absent. */
  match(view: View): Match | null;
}

const shown = (e: Evidence): string => {
  if (e.kind !== 'path') return `credential data (${e.what})`;
  return e.what.endsWith('/') ? `a secret file in ${e.what}` : `the secret file ${e.what}`; // `.ssh/` names a folder
};
const listed = (es: readonly Evidence[]): string => es.slice(0, 3).map(shown).join(', ') + (es.length > 3 ? ', …' : '');
const canRead = (s: Step): boolean => s.kind === 'read' || s.kind === 'other';

/** What the calls before an egress step did, summarized in one walk: the run-time score runs before every egress call. */
class Prefix {
  private readonly firstCall = new Map<string, number>();
  private readonly contentReads: Step[] = [];
  private readonly contentReadAt: number[] = [];
  private count = 0;
  readonly reads: string[] = [];
  store: Step | null = null;
  firstReader: Step | null = null;
  dump: Step | null = null;

  add(step: Step): void {
    const at = this.count++;
    if (canRead(step) && !this.firstCall.has(step.name)) this.firstCall.set(step.name, at);
    if (step.kind === 'read' && this.reads.length < 3 && !this.reads.includes(step.name)) this.reads.push(step.name);
    if (step.kind === 'read' && !step.naming) {
      this.contentReads.push(step);
      this.contentReadAt.push(at);
    }
    if (step.secretStore) this.store ??= step;
    if (canRead(step)) this.firstReader ??= step;
    if (BULK_VERBS.has(step.verb ?? '')) this.dump ??= step;
  }

  /** Index of the first call of a tool that can read, or -1. */
  calledAt(name: string): number {
    return this.firstCall.get(name) ?? -1;
  }

  /** The first call after index `i` that reads contents (not just names), or null. */
  contentReadAfter(i: number): Step | null {
    const k = this.contentReadAt.findIndex((at) => at > i);
    return k < 0 ? null : this.contentReads[k]!;
  }
}

/** Walks the steps once; at each egress, asks `found` about the steps before it. */
function firstEgress(view: View, found: (out: Step, before: Prefix) => Match | null): Match | null {
  const before = new Prefix();
  for (const step of view.steps) {
    if (step.kind === 'egress') {
      const m = found(step, before);
      if (m) return m;
    }
    before.add(step);
  }
  return null;
}

/** Credential material that has reached the egress step `out`, and the tool it came from. */
function secretBefore(view: View, out: Step, before: Prefix): Match | null {
  const carried = view.secrets.find((e) => e.tool === out.name);
  if (carried) return { detail: `sends ${shown(carried)} with ${out.name}`, tools: [out.name] };
  if (before.store) return { detail: `reads secrets with ${before.store.name}, then sends with ${out.name}`, tools: [before.store.name, out.name] };
  for (const e of view.secrets) {
    const i = e.tool === null ? -1 : before.calledAt(e.tool);
    if (i < 0) continue;
    // A path given to list/search/stat only names a file; it is material once something reads contents after it.
    if (e.kind === 'path' && classifyTool(e.tool!).naming) {
      const reader = before.contentReadAfter(i);
      if (!reader) continue;
      return { detail: `finds ${shown(e)} with ${e.tool}, reads with ${reader.name}, then sends with ${out.name}`, tools: [e.tool!, reader.name, out.name] };
    }
    return { detail: `reads ${shown(e)} with ${e.tool}, then sends with ${out.name}`, tools: [e.tool!, out.name] };
  }
  const read = before.firstReader;
  if (view.loose.length > 0 && read)
    return { detail: `handles ${listed(view.loose)} after reading with ${read.name}, then sends with ${out.name}`, tools: [read.name, out.name] };
  return null;
}

/**
 * The rules, one entry each: name, weight, and the pattern it flags. The reason for each weight is beside it. Over
 * actual calls, every rule flags at an egress call only: the runtime scores before egress calls alone (CallPolicy).
 */
const RULES: readonly Rule[] = [
  {
    // The exfiltration shape itself, named with confidence: a secret file, a credential field or column, or a
    // secret store, read and then handed to email, chat, a webhook or an upload. Alone it blocks at STRICT and SECURE.
    rule: 'secret-then-egress',
    weight: 55,
    match: (v) => firstEgress(v, (out, before) => secretBefore(v, out, before)),
  },
  {
    // Reading and then sending is ordinary (GitHub PRs → a Slack summary); it weighs little and only adds to
    // the signs above and below. Writing to another system (Sentry → a Linear ticket) is not egress and scores 0.
    rule: 'read-then-egress',
    weight: 10,
    match: (v) =>
      firstEgress(v, (out, before) =>
        before.reads.length === 0
          ? null
          : {
              detail: `reads with ${before.reads.join(', ')}, then sends with ${out.name}`,
              tools: [...before.reads, out.name],
            },
      ),
  },
  {
    // Character codes, reversal, hand-made base64 or xor have no place in orchestration except to slip data
    // past a reader or a filter on its way out; together with a bulk read they block at STRICT.
    rule: 'encoded-egress',
    weight: 25,
    match: (v) =>
      v.facts.encodings.length === 0
        ? null
        : firstEgress(v, (out) => ({
            detail: `encodes text (${v.facts.encodings.slice(0, 3).join(', ')}) in a script that sends with ${out.name}`,
            tools: [out.name],
          })),
  },
  {
    // A whole table or a dump sent out is how data, rather than a summary of it, leaves; a report is ordinary,
    // so this weighs little on its own.
    rule: 'bulk-then-egress',
    weight: 15,
    match: (v) =>
      firstEgress(v, (out, before) => {
        if (before.dump) return { detail: `dumps with ${before.dump.name}, then sends with ${out.name}`, tools: [before.dump.name, out.name] };
        const bulk = v.facts.evidence.find((e) => e.kind === 'bulk' && (e.tool === null ? before.firstReader !== null : before.calledAt(e.tool) >= 0));
        const from = bulk?.tool ?? before.firstReader?.name;
        return bulk && from ? { detail: `reads everything (${bulk.what}) with ${from}, then sends with ${out.name}`, tools: [from, out.name] } : null;
      }),
  },
  {
    // Before the script runs, a computed name or callTool passed around as a value hides which tools are
    // called (the static score then guesses from `server:tool` strings). At run time the calls are known, so
    // this rule does not apply there: an alias changes nothing in the verdict over the actual calls.
    rule: 'unnamed-tools',
    weight: 20,
    match: (v) =>
      v.isStatic && v.facts.unnamedCalls > 0
        ? { detail: `${v.facts.unnamedCalls} use${v.facts.unnamedCalls > 1 ? 's' : ''} of callTool with a computed name or as a value`, tools: [] }
        : null,
  },
];

/** Score at or above which the script (or, at run time, the call about to be made) is refused, per level. */
export const BLOCK_THRESHOLD: Readonly<Record<SecurityLevel, number>> = Object.freeze({
  STRICT: 50, // secret-then-egress alone (55), or encoded + bulk + read-then-egress (50)
  SECURE: 55, // secret-then-egress alone
  STANDARD: 75, // secret-then-egress with a second sign (encoding, bulk, or unnamed tools)
  PERMISSIVE: Infinity, // testing only: never blocks
});

/**
 * Stage 4 over facts. `calls`: tool names actually called so far, in order (the last is the call about to be
 * made). Without calls, the rules use the script's static tool names. Pure and cheap: it runs per call.
 */
export function scoreFacts(facts: ScoreFacts, calls?: readonly string[]): ScoreReport {
  const names = calls ?? (facts.unnamedCalls > 0 ? facts.toolLiterals : facts.tools);
  const secrets = facts.evidence.filter((e) => e.kind !== 'bulk');
  const view: View = {
    facts,
    secrets,
    loose: secrets.filter((e) => e.tool === null),
    steps: names.map((name) => ({ name, ...classifyTool(name) })),
    isStatic: calls === undefined,
  };
  const signals: Signal[] = [];
  for (const r of RULES) {
    const m = r.match(view);
    if (m) signals.push({ rule: r.rule, points: r.weight, detail: m.detail, tools: m.tools });
  }
  return {
    score: Math.min(
      100,
      signals.reduce((sum, s) => sum + s.points, 0),
    ),
    signals,
  };
}

/** Stage 4: a pure function of the AST. */
export function score(program: acorn.Program): ScoreReport {
  return scoreFacts(gatherFacts(program));
}

/**
 * The SCORING_BLOCKED message: each signal with the tools of its pattern, and what to do instead. `atCall`: the
 * run-time verdict on the calls actually made, given before the last one was served.
 */
export function blockedMessage(report: ScoreReport, level: SecurityLevel, atCall = false): string {
  const why = report.signals.map((s) => `${s.rule} +${s.points} (${s.detail})`).join('; ');
  const subject = atCall ? 'This call was refused: with it, the calls of the script scored' : 'The script scored';
  return (
    `${subject} ${report.score}, at or above the ${level} threshold of ${BLOCK_THRESHOLD[level]}: ${why}. ` +
    'Do not send credentials or secret files out of a script: return what you found instead, send only the fields the task needs, ' +
    'or leave sending to a separate, reviewed step.'
  );
}

// What validation promised about tool calls, checked again on every call the script actually makes, whatever
// expression made it: at levels that refuse computed tool names, a name must be one the script spells out as a
// string literal (`const ct = callTool; ct(name)` or `callTool.call(null, n)` gain nothing); and the scoring
// gate's call-sequence rules run on the real calls, so an aliased read-then-send scores what the plain one does.
import { errorOf, type ExecutionError } from '../errors.js';
import type { SecurityLevel } from '../levels.js';
import { levelAllows } from '../policy.js';
import { BLOCK_THRESHOLD, blockedMessage, scoreFacts, type ScoreFacts } from '../score.js';
import { classifyTool } from '../score-words.js';

export class CallPolicy {
  private readonly calls: string[] = [];
  /** The score of the calls made so far (the static score until a call is made). */
  score: number;

  constructor(
    private readonly level: SecurityLevel,
    /** Every string literal of the script: the names a reviewer can read in it. */
    private readonly literals: ReadonlySet<string>,
    private readonly facts: ScoreFacts,
    staticScore: number,
  ) {
    this.score = staticScore;
  }

  /** null when the call may go out; else the fatal error that ends the run. */
  check(name: string): ExecutionError | null {
    if (!levelAllows(this.level, 'dynamicToolName') && !this.literals.has(name)) {
      return errorOf(
        'VALIDATION_ERROR',
        `At ${this.level} a tool name must be written in the script as a string literal; this call's name was computed at run time. Write the call as callTool('server:tool', args) with the name spelled out (a switch picks between several).`,
        {
          issues: [{ rule: 'dynamic-tool-name', message: 'The tool name was computed at run time.', line: 1, column: 1 }],
        },
      );
    }
    this.calls.push(name);
    if (BLOCK_THRESHOLD[this.level] === Infinity) return null; // a level that never blocks need not score (PERMISSIVE: 1,000 calls)
    // The run-time rules flag a pattern only at an egress call, over the calls before it: a call that is not egress
    // leaves the verdict over the calls as it was before it (and that one let the run go on). Scoring only at
    // egress calls keeps a long loop of reads from rescoring its whole history at every call.
    if (classifyTool(name).kind !== 'egress') return null;
    const report = scoreFacts(this.facts, this.calls);
    this.score = Math.max(this.score, report.score);
    if (report.score >= BLOCK_THRESHOLD[this.level]) return errorOf('SCORING_BLOCKED', blockedMessage(report, this.level, true));
    return null;
  }
}

// Stages 1–4 in order: prescan → parse → validate → score → transform. Pure: code in, verdict out.
import { errorOf, type ExecutionError, type Issue } from './errors.js';
import type { Limits, SecurityLevel } from './levels.js';
import type { ValidationResult } from './types.js';
import { parseScript } from './parse.js';
import { prescan } from './prescan.js';
import { BLOCK_THRESHOLD, blockedMessage, gatherFacts, scoreFacts, type ScoreFacts, type ScoreReport } from './score.js';
import { transform, type Transformed } from './transform.js';
import { validateAst } from './validate.js';
import { Scopes } from './scope.js';

export interface CompileInput {
  code: string;
  level: SecurityLevel;
  limits: Limits;
  extraGlobals?: ReadonlySet<string>;
}

export type Compiled =
  | { ok: true; transformed: Transformed; score: ScoreReport; facts: ScoreFacts }
  | { ok: false; error: ExecutionError; score?: ScoreReport };

function validationError(issues: Issue[]): ExecutionError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return errorOf('VALIDATION_ERROR', `Line ${first.line}, column ${first.column}: ${first.message}${more}`, {
    issues,
    line: first.line,
    column: first.column,
  });
}

export function compile(input: CompileInput): Compiled {
  const { code, level, limits } = input;
  const pre = prescan(code, limits);
  if (pre.length > 0) return { ok: false, error: validationError(pre) };
  const parsed = parseScript(code);
  if (!parsed.ok) return { ok: false, error: validationError([parsed.issue]) };
  try {
    const scopes = new Scopes(parsed.ast);
    const issues = validateAst(parsed.ast, { level, extraGlobals: input.extraGlobals, scopes });
    if (issues.length > 0) return { ok: false, error: validationError(issues) };
    // The facts stay with the run: the call-sequence rules are scored again on the calls it actually makes.
    const facts = gatherFacts(parsed.ast);
    const report = scoreFacts(facts);
    if (report.score >= BLOCK_THRESHOLD[level]) {
      return { ok: false, score: report, error: errorOf('SCORING_BLOCKED', blockedMessage(report, level)) };
    }
    return { ok: true, transformed: transform(code, parsed.ast), score: report, facts };
  } catch (error) {
    if (error instanceof RangeError) {
      // The walkers recurse; a pathological tree overflows them before any limit names it.
      return {
        ok: false,
        error: validationError([
          { rule: 'too-complex', message: 'The script nests too deeply to check. Flatten it with intermediate constants.', line: 1, column: 1 },
        ]),
      };
    }
    throw error;
  }
}

/** Stages 1–4 as a verdict, without running anything: `validate()` in Node and in the browser (the playground). */
export function validationOf(code: string, level: SecurityLevel, limits: Limits, globals: ReadonlySet<string> = new Set()): ValidationResult {
  const compiled = compile({ code, level, limits, extraGlobals: globals });
  if (compiled.ok) return { valid: true, issues: [], score: compiled.score.score };
  return { valid: false, issues: compiled.error.issues ?? [], error: compiled.error, ...(compiled.score ? { score: compiled.score.score } : {}) };
}

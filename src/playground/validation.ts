// Live validation: stages 1–4 of the server's own pipeline (src/enclave/browser.ts) at the level and limits the server
// publishes for this caller, run in the page as the person types. Issues show in the editor (lint diagnostics) and in
// [data-testid=issues] as "line L, column C: message"; nothing is sent to the server.
import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import { type Issue, type Limits, type SecurityLevel, type ValidationResult, validate } from '../enclave/browser.js';
import { el } from './dom.js';

export interface Settings {
  securityLevel: SecurityLevel;
  limits?: Partial<Limits>;
}

/** Issues may carry a hint apart from their message (older servers put it in the message). */
type IssueWithHint = Issue & { hint?: string };

export const issueText = (issue: IssueWithHint): string =>
  `line ${issue.line}, column ${issue.column}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`;

export function check(code: string, settings: Settings): ValidationResult {
  try {
    return validate(code, settings);
  } catch (error) {
    // A bug of ours must not leave the page without an answer: the server checks again anyway.
    const message = `The page could not check this script (${String(error).slice(0, 200)}); Run still checks it on the server.`;
    return { valid: false, issues: [], error: { code: 'INTERNAL_ERROR', message } };
  }
}

/** Lint diagnostics from a verdict: each issue covers the word at its line and column. */
export function diagnosticsFor(doc: Text, result: ValidationResult): Diagnostic[] {
  const found = result.issues.map((issue): Diagnostic => {
    const line = doc.line(Math.min(Math.max(1, issue.line), doc.lines));
    const from = Math.min(line.from + Math.max(0, issue.column - 1), line.to);
    const word = /^[\w$]+/.exec(doc.sliceString(from, line.to))?.[0].length ?? 1;
    return { from, to: Math.min(from + word, line.to), severity: 'error', source: issue.rule, message: issue.message };
  });
  // SCORING_BLOCKED names no place: the whole first line carries it.
  if (!result.valid && found.length === 0 && result.error) {
    found.push({ from: 0, to: doc.line(1).to, severity: 'error', source: result.error.code, message: result.error.message });
  }
  return found;
}

/** Renders the verdict into [data-testid=issues]: one item per issue, its place a button that moves the cursor there. */
export function renderIssues(list: HTMLElement, result: ValidationResult, jump: (line: number, column: number) => void): void {
  const items = result.issues.map((issue: IssueWithHint) => {
    const place = el('button', { type: 'button', class: 'link', title: 'Move the cursor there' }, `line ${issue.line}, column ${issue.column}`);
    place.addEventListener('click', () => jump(issue.line, issue.column));
    return el('li', { class: 'issue' }, place, `: ${issue.message}`, issue.hint ? el('span', { class: 'hint' }, ` (${issue.hint})`) : null);
  });
  if (!result.valid && items.length === 0 && result.error) items.push(el('li', { class: 'issue' }, `${result.error.code}: ${result.error.message}`));
  if (result.valid) items.push(el('li', { class: 'ok' }, `No issues${result.score !== undefined ? ` · risk score ${result.score}` : ''}`));
  list.replaceChildren(...items);
}

// The outcome of a run: the value as a JSON tree with stats and score in [data-testid=result], or the error in
// [data-testid=error] with its code, message and a "line L" button that moves the editor's cursor there.
import type { ExecutionResult } from '../enclave/browser.js';
import { duration, el } from './dom.js';
import { jsonTree } from './json-tree.js';
import { issueText } from './validation.js';

export type Jump = (line: number, column?: number) => void;

export interface ResultView {
  running(what: string): void;
  show(result: ExecutionResult): void;
  /** A failure of the page itself (no connection, a bad recording): said in the error box, without a code of ours. */
  problem(message: string): void;
}

export function createResultView(resultBox: HTMLElement, errorBox: HTMLElement, jump: Jump): ResultView {
  const place = (line: number, column?: number): HTMLElement => {
    const button = el('button', { type: 'button', class: 'link', title: 'Move the cursor there' }, `line ${line}`);
    button.addEventListener('click', () => jump(line, column));
    return button;
  };
  const showOnly = (box: 'result' | 'error' | 'none'): void => {
    resultBox.hidden = box !== 'result';
    errorBox.hidden = box !== 'error';
  };
  return {
    running(what) {
      resultBox.replaceChildren(el('p', { class: 'muted' }, what));
      errorBox.replaceChildren();
      showOnly('result');
    },
    show(result) {
      const stats = el('p', { class: 'stats' }, statsText(result));
      if (result.success) {
        resultBox.replaceChildren(jsonTree(result.value), stats);
        errorBox.replaceChildren();
        return showOnly('result');
      }
      const error = result.error ?? { code: 'INTERNAL_ERROR', message: 'The run failed without saying why.' };
      const title = error.code === 'CANCELLED' ? 'Cancelled' : 'Error';
      const issues = (error.issues ?? []).map((issue) => el('li', {}, place(issue.line, issue.column), ` ${issueText(issue).replace(/^line \d+, /, '')}`));
      errorBox.replaceChildren(
        el('p', { class: 'error-title' }, el('strong', {}, title), ' ', el('code', { class: 'code' }, error.code)),
        el(
          'p',
          { class: 'message' },
          error.message,
          error.line !== undefined && !issues.length ? ' — at ' : '',
          error.line !== undefined && !issues.length ? place(error.line, error.column) : null,
        ),
        ...(issues.length ? [el('ul', { class: 'issues' }, ...issues)] : []),
        stats,
      );
      resultBox.replaceChildren();
      showOnly('error');
    },
    problem(message) {
      errorBox.replaceChildren(el('p', { class: 'message' }, message));
      resultBox.replaceChildren();
      showOnly('error');
    },
  };
}

function statsText(result: ExecutionResult): string {
  const { durationMs, toolCalls, iterations } = result.stats;
  const parts = [duration(durationMs), `${toolCalls} tool call${toolCalls === 1 ? '' : 's'}`, `${iterations} iteration${iterations === 1 ? '' : 's'}`];
  if (result.score !== undefined) parts.push(`risk score ${result.score}`);
  if (result.logs.length) parts.push(`${result.logs.length} console line${result.logs.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

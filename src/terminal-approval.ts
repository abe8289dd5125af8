// Human approval for `run`: the question goes to the controlling terminal (/dev/tty), not to stdin (which may carry
// the script) or stdout (which carries the result). Without a terminal nobody can be asked, and the call is refused.
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ReadStream, WriteStream } from 'node:tty';
import type { ApprovalAnswer, Approver } from './tool-bridge/call-gate.js';
import { approvalText } from './mcp/approval.js';

const TERMINAL = '/dev/tty';

/** True when this process has a terminal to ask on (a detached process, CI or a pipe-only run has none). */
function haveTerminal(): boolean {
  try {
    closeSync(openSync(TERMINAL, 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** One question on the terminal; y or yes approves, anything else declines, no answer in time cancels. */
async function ask(text: string, timeoutMs: number, signal: AbortSignal): Promise<ApprovalAnswer> {
  const fd = openSync(TERMINAL, 'r+');
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  const rl = createInterface({ input, output, terminal: true });
  try {
    const answer = await rl.question(`\n${text} [y/N] `, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    return /^\s*y(es)?\s*$/i.test(answer) ? 'accept' : 'decline';
  } catch {
    output.write('\n(no answer: not approved)\n');
    return 'cancel';
  } finally {
    rl.close();
    // Both streams own the descriptor: destroying one leaves the other holding it (a leak per question).
    output.destroy();
    input.destroy();
  }
}

/** An Approver asking on the terminal, one question at a time; undefined when there is no terminal. */
export function terminalApprover(): Approver | undefined {
  if (!haveTerminal()) return undefined;
  let turn: Promise<unknown> = Promise.resolve();
  return (request, signal) => {
    const answer = turn.then(() => (signal.aborted ? ('cancel' as const) : ask(approvalText(request), request.timeoutMs, signal)));
    turn = answer.catch(() => undefined);
    return answer;
  };
}

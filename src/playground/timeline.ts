// The timeline ([data-testid=timeline]): one row per tool call, written when it starts and updated in place when it
// ends (duration, result size, error), and one row per console line, in the order the events came. The same rows
// for a run on the server (streamed progress events) and a replay in the page's own sandbox.
import type { ExecutionEvent, JsonValue } from '../enclave/browser.js';
import { bytes, duration, el } from './dom.js';

const ARGS_SHOWN = 240; // a row stays one or two lines; the server already cut long arguments to 2,000 characters

export interface Timeline {
  clear(): void;
  /** One execution event (the server's or the page sandbox's). */
  add(event: ExecutionEvent): void;
  /** Calls still shown as running once the run is over (cancelled, timed out) are marked as such. */
  finish(outcome: string): void;
}

export function createTimeline(list: HTMLElement): Timeline {
  let rows = new Map<number, HTMLElement>();
  const status = (row: HTMLElement, text: string, kind: string): void => {
    const cell = row.querySelector('.status')!;
    cell.className = `status ${kind}`;
    cell.textContent = text;
  };
  return {
    clear() {
      rows = new Map();
      list.replaceChildren();
    },
    add(event) {
      if (event.type === 'tool-call-start') {
        const head = el('div', { class: 'head' }, el('span', { class: 'tool' }, event.tool), ' ', el('span', { class: 'status running' }, 'running…'));
        const row = el('li', { class: 'call', 'data-call': String(event.id) }, head, el('code', { class: 'args' }, argsText(event.args)));
        rows.set(event.id, row);
        list.append(row);
      } else if (event.type === 'tool-call-end') {
        const row = rows.get(event.id);
        if (!row) return;
        if (event.ok) status(row, `${duration(event.durationMs)}${event.resultBytes !== undefined ? ` · ${bytes(event.resultBytes)}` : ''}`, 'ok');
        else {
          status(row, `${duration(event.durationMs)} · ${event.error?.code ?? event.code ?? 'ERROR'}`, 'failed');
          row.append(el('div', { class: 'call-error' }, event.error?.message ?? `${event.tool} failed.`));
        }
      } else if (event.type === 'log') {
        list.append(el('li', { class: `log ${event.level}` }, el('span', { class: 'level' }, event.level), ' ', event.message));
      }
      list.scrollTop = list.scrollHeight;
    },
    finish(outcome) {
      for (const row of rows.values()) if (row.querySelector('.status.running')) status(row, outcome, 'failed');
    },
  };
}

/** Arguments as one line of JSON, cut; the server sends them redacted, and as cut text when they were long. */
function argsText(args: JsonValue): string {
  const text = typeof args === 'string' ? args : JSON.stringify(args);
  return text.length > ARGS_SHOWN ? `${text.slice(0, ARGS_SHOWN)}…` : text;
}

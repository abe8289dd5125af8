// The state useAgentScript shows, as a pure reducer: what each happening of a run does to it. Kept apart from the
// hook so that the rules (one entry per tool call, updated in place; what ends in which status) read as data flow.
import type { ExecutionResult, LogLevel, ToolCallEvent } from '../client/index.js';

/**
 * idle: nothing ran yet. running: a run is in flight. done: the script finished (result.success says whether it
 * succeeded). cancelled: it was cancelled (result holds the CANCELLED result). error: the run could not be carried
 * out (error holds why: a broken connection, a refused token, no client).
 */
export type AgentScriptStatus = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

/** What the run showed so far, in order: each tool call once (its latest state), and each console line. */
export type AgentScriptEvent = { kind: 'tool'; call: ToolCallEvent } | { kind: 'log'; level: LogLevel; message: string };

export interface AgentScriptState {
  status: AgentScriptStatus;
  events: AgentScriptEvent[];
  result: ExecutionResult | undefined;
  error: Error | undefined;
}

export type RunAction =
  | { type: 'start' }
  | { type: 'tool'; call: ToolCallEvent }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'finished'; result: ExecutionResult }
  | { type: 'failed'; error: Error };

export const IDLE: AgentScriptState = { status: 'idle', events: [], result: undefined, error: undefined };

export function reduceRun(state: AgentScriptState, action: RunAction): AgentScriptState {
  switch (action.type) {
    case 'start':
      return { status: 'running', events: [], result: undefined, error: undefined };
    case 'tool':
      return { ...state, events: withToolCall(state.events, action.call) };
    case 'log':
      return { ...state, events: [...state.events, { kind: 'log', level: action.level, message: action.message }] };
    case 'finished':
      return { ...state, status: action.result.error?.code === 'CANCELLED' ? 'cancelled' : 'done', result: action.result };
    case 'failed':
      return { ...state, status: 'error', error: action.error };
  }
}

/** A call's end replaces its start where the start stands (same id), keeping the order calls began in. */
function withToolCall(events: AgentScriptEvent[], call: ToolCallEvent): AgentScriptEvent[] {
  const at = events.findIndex((event) => event.kind === 'tool' && event.call.id === call.id);
  if (at < 0) return [...events, { kind: 'tool', call }];
  const before = events[at] as { kind: 'tool'; call: ToolCallEvent };
  // The end event carries no args: keep the ones the start showed.
  const merged: ToolCallEvent = { ...before.call, ...call, ...(call.args === undefined && before.call.args !== undefined ? { args: before.call.args } : {}) };
  return events.map((event, i) => (i === at ? { kind: 'tool', call: merged } : event));
}

// useAgentScript: a script run as React state. One run at a time per hook: a new run() cancels the one in flight,
// and so do unmounting and a change of client; after that nothing of the old run reaches the state.
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { EnclaveClientError, type EnclaveClient, type ExecutionResult } from '../client/index.js';
import { type AgentScriptState, IDLE, type RunAction, reduceRun } from './state.js';

export interface AgentScriptRunOptions {
  /** Also return the run's tool calls and results as `result.recording`. */
  record?: boolean;
}

export interface UseAgentScript extends AgentScriptState {
  /**
   * Runs `code`, cancelling the run in flight. Resolves with the result (also in `result` while this is the hook's
   * current run), or undefined when the run could not be carried out (see `error`); never rejects.
   */
  run(code: string, options?: AgentScriptRunOptions): Promise<ExecutionResult | undefined>;
  /** Cancels the run in flight, if any; `status` becomes 'cancelled' once the server has been told. */
  cancel(): void;
}

export function useAgentScript(client: EnclaveClient | null): UseAgentScript {
  const [state, dispatch] = useReducer(reduceRun, IDLE);
  /** The run whose happenings the state shows; any other run's are dropped. */
  const current = useRef<AbortController | null>(null);
  const mounted = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the client on purpose: a new client cancels the old one's run.
  useEffect(() => {
    mounted.current = true;
    return () => {
      // Unmounted, or the client changed: the run in flight is cancelled on the server, not left running.
      mounted.current = false;
      current.current?.abort();
    };
  }, [client]);

  const run = useCallback(
    async (code: string, options: AgentScriptRunOptions = {}): Promise<ExecutionResult | undefined> => {
      current.current?.abort();
      const mine = new AbortController();
      current.current = mine;
      const send = (action: RunAction): void => {
        if (mounted.current && current.current === mine) dispatch(action);
      };
      send({ type: 'start' });
      try {
        if (!client) throw new EnclaveClientError('INVALID_ARGUMENT', 'useAgentScript has no client yet: pass it the client connectEnclave() resolved with.');
        const result = await client.run(code, {
          signal: mine.signal,
          ...(options.record ? { record: true } : {}),
          onToolCall: (call) => send({ type: 'tool', call }),
          onLog: ({ level, message }) => send({ type: 'log', level, message }),
        });
        send({ type: 'finished', result });
        return result;
      } catch (error) {
        send({ type: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
        return undefined;
      } finally {
        if (current.current === mine) current.current = null;
      }
    },
    [client],
  );

  const cancel = useCallback((): void => current.current?.abort(), []);

  return useMemo(() => ({ ...state, run, cancel }), [state, run, cancel]);
}

// One run of a script: execute_agentscript with a progress token, so the server streams each event as it happens
// (spec §2); the events go to the caller's callbacks in order, and the answer is the result of DESIGN §5.
// A script that fails or is cancelled resolves; only a connection that could not carry the run rejects.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { EnclaveClientError, requestError } from './errors.js';
import { eventOf, toolCallOf } from './events.js';
import { resultOf, type ToolReply } from './replies.js';
import { RUN_META_KEY, type StreamWatch } from './stream-watch.js';
import type { ExecutionEvent, ExecutionResult, LogEntry, RunOptions } from './types.js';

/** The server may stay silent this long (between events) before run() gives up, unless told otherwise. */
export const DEFAULT_RUN_TIMEOUT_MS = 10 * 60_000;
export const CANCELLED_MESSAGE = 'The script was cancelled by the caller.';

/** What a run needs from the connection it belongs to. */
export interface RunHost {
  client: Client;
  watch: StreamWatch;
  /** Registers the run's controller so close() can cancel it; returns the function that forgets it. */
  track(controller: AbortController): () => void;
  closed(): boolean;
}

let runs = 0;
/** A key unique to this page or process, for the stream watch (not a secret: the server ignores it). */
const nextKey = (): string => `${Date.now().toString(36)}-${(++runs).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export async function runScript(host: RunHost, code: string, options: RunOptions = {}): Promise<ExecutionResult> {
  checkRunArguments(code, options);
  if (host.closed()) throw new EnclaveClientError('CLOSED', 'This client is closed. Connect again with connectEnclave().');
  const started = Date.now();
  const logs: LogEntry[] = [];
  let toolCalls = 0;
  const cancelled = (): ExecutionResult => ({
    success: false,
    error: { code: 'CANCELLED', message: CANCELLED_MESSAGE },
    logs: [...logs],
    stats: { durationMs: Date.now() - started, toolCalls, iterations: 0 },
  });
  if (options.signal?.aborted) return cancelled();

  let settled = false;
  const dispatch = (event: ExecutionEvent): void => {
    if (settled) return; // nothing reaches the caller once run() has settled
    if (event.type === 'log') logs.push({ level: event.level, message: event.message });
    if (event.type === 'tool-call-start') toolCalls++;
    call(options.onEvent, event);
    const toolCall = toolCallOf(event);
    if (toolCall) call(options.onToolCall, toolCall);
    if (event.type === 'log') call(options.onLog, { level: event.level, message: event.message });
  };

  // Aborted by the caller's signal or by close(); the SDK then sends notifications/cancelled and rejects at once.
  const controller = new AbortController();
  const abort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abort, { once: true });
  const untrack = host.track(controller);
  const key = nextKey();
  let lost: Error | undefined;
  let unwatch = (): void => undefined;
  const broken = new Promise<never>((_, reject) => {
    unwatch = host.watch.watch(key, (error) => reject((lost = requestError(error))));
  });
  try {
    const reply = await Promise.race([
      host.client.callTool(
        { name: 'execute_agentscript', arguments: { code, ...(options.record ? { record: true } : {}) }, _meta: { [RUN_META_KEY]: key } },
        undefined,
        {
          signal: controller.signal,
          onprogress: (params) => {
            const event = eventOf(params);
            if (event) dispatch(event);
          },
          timeout: options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
          resetTimeoutOnProgress: true,
        },
      ),
      broken,
    ]);
    return resultOf(reply as ToolReply);
  } catch (error) {
    if (lost) {
      controller.abort(lost); // drops the SDK's pending request (its cancel notification may not get through)
      throw lost;
    }
    if (controller.signal.aborted) return cancelled();
    throw requestError(error);
  } finally {
    settled = true;
    unwatch();
    untrack();
    options.signal?.removeEventListener('abort', abort);
  }
}

/** A caller's callback runs in a try: one that throws must not end the run or skip the events after it. */
function call<T>(callback: ((value: T) => void) | undefined, value: T): void {
  if (!callback) return;
  try {
    callback(value);
  } catch (error) {
    // Browsers show it in the console as an uncaught error would be; elsewhere there is nowhere to put it.
    (globalThis as { reportError?: (error: unknown) => void }).reportError?.(error);
  }
}

function checkRunArguments(code: unknown, options: unknown): void {
  if (typeof code !== 'string') throw new EnclaveClientError('INVALID_ARGUMENT', `run(code): code must be the script's text, a string (got ${typeof code}).`);
  if (typeof options !== 'object' || options === null) throw new EnclaveClientError('INVALID_ARGUMENT', 'run(code, options): options must be an object.');
  const { record, timeoutMs, signal } = options as RunOptions;
  if (record !== undefined && typeof record !== 'boolean') throw new EnclaveClientError('INVALID_ARGUMENT', 'run(): record must be true or false.');
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs)))
    throw new EnclaveClientError('INVALID_ARGUMENT', 'run(): timeoutMs must be a positive number of milliseconds.');
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal && 'addEventListener' in signal))
    throw new EnclaveClientError('INVALID_ARGUMENT', 'run(): signal must be an AbortSignal (from an AbortController).');
  for (const name of ['onToolCall', 'onLog', 'onEvent'] as const) {
    const callback = (options as RunOptions)[name];
    if (callback !== undefined && typeof callback !== 'function') throw new EnclaveClientError('INVALID_ARGUMENT', `run(): ${name} must be a function.`);
  }
}

// Replay: the editor's script runs in the page's own sandbox (QuickJS-wasm in a Web Worker, src/enclave/browser.ts)
// with its tool calls answered from the recording — no request to the server, no real tool touched. A call the
// recording does not hold fails with NOT_RECORDED, naming it. The same level and limits as on the server.
import { type ExecutionEvent, type ExecutionResult, type Recording, replayHandler, runInBrowser, warmBrowserSandbox } from '../enclave/browser.js';
import type { Settings } from './validation.js';

/** The worker the web build writes beside this bundle (dist/web/sandbox-worker.js). */
const WORKER_URL = new URL('sandbox-worker.js', import.meta.url);

export function replayInPage(
  code: string,
  recording: Recording,
  settings: Settings,
  onEvent: (event: ExecutionEvent) => void,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  return runInBrowser(code, {
    securityLevel: settings.securityLevel,
    ...(settings.limits ? { limits: settings.limits } : {}),
    toolHandler: replayHandler(recording),
    onEvent,
    signal,
    workerUrl: WORKER_URL,
  });
}

/** Loads the sandbox worker ahead of the first Replay (once there is a recording to replay). */
export const warmReplay = (): void => warmBrowserSandbox(WORKER_URL);

// The enclave's front door for browsers (the playground, web apps): what runs without Node. Nothing here, nor in what
// it imports, may use node:* — scripts/build-web.mjs bundles it with esbuild for the browser platform.
// Stages 1–4 (pre-scan, parse, validate, score) are the very pipeline the server runs, so a page shows the issues the
// server would refuse the script for, as the person types, without a round trip.
import { validationOf } from './pipeline.js';
import { checkLimits, LEVEL_LIMITS, levelProblem, type Limits, type SecurityLevel } from './levels.js';
import type { ExecutionEvent, ExecutionResult, ToolHandler, ValidationResult } from './types.js';
import { errorOf } from './errors.js';
import { type BrowserRunRequest, disposeIdleWorkers, runOnWorker, warmWorker } from './runtime/browser-host.js';

export interface BrowserValidateOptions {
  /** The level the server will run the script at (tools/list `_meta['enclave-mcp/settings']`); STRICT when absent. */
  securityLevel?: SecurityLevel;
  /** The caller's effective limits, as the server publishes them; the level's own where absent. */
  limits?: Partial<Limits>;
}

/** Checks a script as the server will before running it (stages 1–4; nothing runs). */
export function validate(code: string, options: BrowserValidateOptions = {}): ValidationResult {
  const level = options.securityLevel ?? 'STRICT';
  return validationOf(code, level, { ...LEVEL_LIMITS[level], ...options.limits });
}

// Replay in the page: a recording's calls answer the script's (replay.ts is pure, no I/O).
export { recordingProblems, replayHandler, type RecordedCall, type Recording } from './replay.js';
export { LEVEL_LIMITS, SECURITY_LEVELS, type Limits, type SecurityLevel } from './levels.js';
export type { ExecutionError, ExecutionEvent, ExecutionResult, Issue, JsonObject, JsonValue, ValidationResult } from './types.js';

// The sandbox in the page: QuickJS-wasm in a Web Worker, with the server's prelude and stages 1–5 (runtime/browser-*.ts).
export interface BrowserRunOptions {
  /** STRICT when absent; with the server's level and limits (client.settings()), a replay behaves as the server would. */
  securityLevel?: SecurityLevel;
  /** Overrides of the level's limits, checked against the same bounds as the server's. */
  limits?: Partial<Limits>;
  /** Serves callTool on the page's thread, e.g. replayHandler(recording); without one, every call is UNKNOWN_TOOL. */
  toolHandler?: ToolHandler;
  /** The events the server streams (started, tool-call-start/end, log), in the order they happen. */
  onEvent?: (event: ExecutionEvent) => void;
  /** Aborting ends the run with CANCELLED (within a second: a worker that computes on is terminated). */
  signal?: AbortSignal;
  /** The worker's bundle (the web build's sandbox-worker.js, with quickjs.wasm beside it). */
  workerUrl?: string | URL;
}

const RUN_OPTION_KEYS: ReadonlySet<string> = new Set(['securityLevel', 'limits', 'toolHandler', 'onEvent', 'signal', 'workerUrl']);
const defaultWorkerUrl = (): URL => new URL('./sandbox-worker.js', import.meta.url);

/** Runs a script in the page's own sandbox; resolves (never rejects) to the result Enclave.run gives (DESIGN §5). */
export async function runInBrowser(code: string, options: BrowserRunOptions = {}): Promise<ExecutionResult> {
  const settings = runSettings(options);
  if (!settings.ok) {
    return { success: false, error: errorOf('INTERNAL_ERROR', settings.message), logs: [], stats: { durationMs: 0, toolCalls: 0, iterations: 0 } };
  }
  try {
    return await runOnWorker({ ...settings.value, code });
  } catch (error) {
    // Only a bug of ours gets here (the host resolves every run): still a result, never a rejection.
    const message = `The browser sandbox failed unexpectedly: ${error instanceof Error ? error.message : String(error)}. Run the script again.`;
    return { success: false, error: errorOf('INTERNAL_ERROR', message), logs: [], stats: { durationMs: 0, toolCalls: 0, iterations: 0 } };
  }
}

/** Starts the sandbox worker now (a page that offers Replay), so the first run does not wait for it to load. */
export function warmBrowserSandbox(workerUrl?: string | URL): void {
  warmWorker(workerUrl === undefined ? defaultWorkerUrl() : new URL(workerUrl, globalThis.location?.href));
}

/** Ends the sandbox workers kept warm (a page leaving Replay); returns how many. The next run starts a new one. */
export function disposeBrowserSandbox(): number {
  return disposeIdleWorkers();
}

type RunSettings = { ok: true; value: Omit<BrowserRunRequest, 'code'> } | { ok: false; message: string };

/** Unknown keys and wrong values are refused, all in one message, never ignored (as the Enclave's options). */
function runSettings(options: BrowserRunOptions): RunSettings {
  if (typeof options !== 'object' || options === null) return { ok: false, message: 'runInBrowser options must be an object. Fix the call.' };
  const problems = Object.keys(options)
    .filter((key) => !RUN_OPTION_KEYS.has(key))
    .map((key) => `${JSON.stringify(key.slice(0, 40))} is not an option (the options are ${[...RUN_OPTION_KEYS].join(', ')})`);
  const level = options.securityLevel ?? 'STRICT';
  const levelIssue = levelProblem(level);
  if (levelIssue) problems.push(levelIssue);
  const limits = checkLimits(options.limits);
  if (!limits.ok) problems.push(...limits.problems);
  for (const key of ['toolHandler', 'onEvent'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') problems.push(`${key} must be a function`);
  }
  let workerUrl: URL | undefined;
  try {
    workerUrl = options.workerUrl === undefined ? defaultWorkerUrl() : new URL(options.workerUrl, globalThis.location?.href);
  } catch {
    problems.push('workerUrl must be a URL');
  }
  if (problems.length > 0 || !limits.ok || !workerUrl) return { ok: false, message: `runInBrowser options: ${problems.join('; ')}. Fix the call.` };
  return {
    ok: true,
    value: {
      level: level as SecurityLevel,
      limits: { ...LEVEL_LIMITS[level as SecurityLevel], ...limits.value },
      workerUrl,
      ...(options.toolHandler ? { toolHandler: options.toolHandler } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  };
}

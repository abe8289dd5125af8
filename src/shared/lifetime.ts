// One lifetime vocabulary (Symbol.dispose, Symbol.asyncDispose): hooks on the Node process belong to the owner whose
// resource they guard, are installed by it and removed when it is disposed, so none outlives its owner (a server
// closed in a test leaves no SIGINT listener behind) and none is module-global state.
import { constants } from 'node:os';

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';
const SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ['SIGINT', 'SIGTERM'];

/** The exit status of a process ended by `signal`, as a shell reports it: 128 + its number (130, 143). */
export const signalExitCode = (signal: ShutdownSignal): number => 128 + constants.signals[signal];

/**
 * Until disposed, SIGINT and SIGTERM call `shutdown` instead of ending the process at once: its owner closes what it
 * owns, then exits. A second signal while that runs exits at once with the signal's status (an impatient Ctrl-C); the
 * exit hooks of what is still open (onProcessExit) end its child processes even then, as a death by signal would not.
 */
export function onShutdownSignal(shutdown: (signal: ShutdownSignal) => void): Disposable {
  let started = false;
  const listener = (signal: ShutdownSignal): void => {
    if (started) process.exit(signalExitCode(signal));
    started = true;
    shutdown(signal);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, listener);
  return once(() => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, listener);
  });
}

/**
 * Until disposed, calls `hook` if the process exits (process.exit, the event loop running dry, an uncaught error). It
 * runs synchronously, as the process ends: it can signal a child process, not wait for one.
 */
export function onProcessExit(hook: () => void): Disposable {
  // One listener per live owner (a manifest of 20 stdio servers holds 20): the leak warning is for more than those.
  adjustMaxListeners(+1);
  process.on('exit', hook);
  return once(() => {
    process.off('exit', hook);
    adjustMaxListeners(-1);
  });
}

/** Until disposed, `listener` hears the rejections nobody handled (instead of Node ending the process for them). */
export function onUnhandledRejection(listener: (reason: unknown) => void): Disposable {
  process.on('unhandledRejection', listener);
  return once(() => process.off('unhandledRejection', listener));
}

/** `await using` for what only has a close() (a store, a listener, a relay): disposing it runs `close`. */
export const closing = (close: () => unknown): AsyncDisposable => ({
  async [Symbol.asyncDispose]() {
    await close();
  },
});

function once(remove: () => void): Disposable {
  let removed = false;
  return {
    [Symbol.dispose]() {
      if (removed) return;
      removed = true;
      remove();
    },
  };
}

function adjustMaxListeners(by: number): void {
  const max = process.getMaxListeners();
  if (max !== 0) process.setMaxListeners(max + by); // 0 is "no limit"
}

// Stage 6: what leaves the enclave. The shared Redactor (src/shared/redaction.ts) replaces registered secrets and
// host paths and removes host stack frames and terminal control sequences in values, logs and error messages;
// here are the enclave's own parts: which folder is its own, and the console's budgets.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own folder (…/src/enclave → package root): host paths a script must not learn. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The console's budgets: in their own module, which the browser's host shares (no node:* there).
export { capLogs } from './log-cap.js';

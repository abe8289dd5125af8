// Stage 6: what leaves the enclave. The shared Redactor (src/shared/redaction.ts) replaces registered secrets and
// host paths and removes host stack frames and terminal control sequences in values, logs and error messages;
// here are the enclave's own parts: which folder is its own, and the console's budgets.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plainText } from '../shared/index.js';
import type { LogEntry } from './types.js';

/** The package's own folder (…/src/enclave → package root): host paths a script must not learn. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Caps logs at the level's byte and call budgets (the sandbox caps too; this is the second line). */
export function capLogs(logs: LogEntry[], maxBytes: number, maxCalls: number): LogEntry[] {
  const out: LogEntry[] = [];
  let bytes = 0;
  for (const entry of logs.slice(0, maxCalls + 1)) {
    const room = maxBytes - bytes;
    if (room <= 0) {
      out.push({ level: 'warn', message: `[console output truncated at ${maxBytes} bytes]` });
      break;
    }
    const text = plainText(entry.message);
    const message = text.length > room ? `${text.slice(0, room)}…[truncated]` : text;
    bytes += message.length;
    out.push({ level: entry.level, message });
  }
  return out;
}

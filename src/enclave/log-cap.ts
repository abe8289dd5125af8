// The console's budgets, applied to what leaves the enclave: by the Node host (sanitize.ts re-exports this) and by
// the browser's (runtime/browser-host.ts), so both cap and clean logs the same way. No node:* here.
import { plainText } from '../shared/text.js';
import type { LogEntry } from './types.js';

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

// The library's only output channel: one line per event on stderr (stdout belongs to the protocol).
// ENCLAVE_LOG=debug|info|warn|error|silent chooses how much; the default is warn.
import { plainText } from './sanitize.js';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

const configured = (process.env.ENCLAVE_LOG ?? 'warn') as Level;
const threshold = LEVELS.indexOf(LEVELS.includes(configured) ? configured : 'warn');

/** A detail as text; a BigInt or a cycle must not turn logging into a new exception. */
function describe(detail: unknown): string {
  if (detail instanceof Error) return detail.stack ?? detail.message;
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return '[a detail that is not JSON]';
  }
}

function write(level: Level, message: string, detail?: unknown): void {
  if (LEVELS.indexOf(level) < threshold) return;
  const extra = detail === undefined ? '' : ` ${describe(detail)}`;
  // Messages and details can quote a tool or a script: no escape sequence reaches the operator's terminal.
  process.stderr.write(`[enclave-mcp] ${level}: ${plainText(`${message}${extra}`)}\n`);
}

export const log = {
  debug: (message: string, detail?: unknown) => write('debug', message, detail),
  info: (message: string, detail?: unknown) => write('info', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  error: (message: string, detail?: unknown) => write('error', message, detail),
};

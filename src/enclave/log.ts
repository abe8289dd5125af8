// The library's only output channel: one line per event on stderr (stdout belongs to the protocol).
// ENCLAVE_LOG=debug|info|warn|error|silent chooses how much; the default is warn.
const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

const configured = (process.env.ENCLAVE_LOG ?? 'warn') as Level;
const threshold = LEVELS.indexOf(LEVELS.includes(configured) ? configured : 'warn');

function write(level: Level, message: string, detail?: unknown): void {
  if (LEVELS.indexOf(level) < threshold) return;
  const extra = detail === undefined ? '' : ` ${detail instanceof Error ? detail.stack ?? detail.message : JSON.stringify(detail)}`;
  process.stderr.write(`[enclave-mcp] ${level}: ${message}${extra}\n`);
}

export const log = {
  debug: (message: string, detail?: unknown) => write('debug', message, detail),
  info: (message: string, detail?: unknown) => write('info', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  error: (message: string, detail?: unknown) => write('error', message, detail),
};

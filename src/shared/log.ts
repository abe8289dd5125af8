// Every layer's only output channel: one line per event on stderr (stdout belongs to the protocol).
// ENCLAVE_LOG=debug|info|warn|error|silent chooses how much (default warn); ENCLAVE_LOG_FORMAT=text|json how it looks
// (default text: `[enclave-mcp] warn: message detail`; json: one object per line, for log collectors). A command may
// set other defaults for itself (configureLog: `serve --transport http` logs JSON at info); the environment wins.
import { plainText } from './text.js';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const FORMATS = ['text', 'json'] as const;
export type LoggerLevel = (typeof LEVELS)[number];
export type LogFormat = (typeof FORMATS)[number];
/** Fields of a structured line: flat JSON values, chosen by our code (never a script's value as a key). */
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly (string | number)[]>;

const fromEnv = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined =>
  allowed.includes(value as T) ? (value as T) : undefined;
const envLevel = fromEnv(process.env.ENCLAVE_LOG, LEVELS);
const envFormat = fromEnv(process.env.ENCLAVE_LOG_FORMAT, FORMATS);
let threshold = LEVELS.indexOf(envLevel ?? 'warn');
let format: LogFormat = envFormat ?? 'text';

/** A command's own defaults (what the environment sets still wins). */
export function configureLog(defaults: { level?: LoggerLevel; format?: LogFormat }): void {
  if (defaults.level && !envLevel) threshold = LEVELS.indexOf(defaults.level);
  if (defaults.format && !envFormat) format = defaults.format;
}

/** Whether lines of this level are written now (so a caller can skip building them). */
export const logEnabled = (level: LoggerLevel): boolean => LEVELS.indexOf(level) >= threshold;

/** A detail as text; a BigInt or a cycle must not turn logging into a new exception. */
function describe(detail: unknown): string {
  if (detail instanceof Error) return detail.stack ?? detail.message;
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return '[a detail that is not JSON]';
  }
}

/** Strings lose escape sequences here too: `jq -r` would print them to the operator's terminal as they are. */
const clean = (value: LogFields[string]): LogFields[string] =>
  typeof value === 'string' ? plainText(value) : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? plainText(v) : v)) : value;

const RESERVED = new Set(['time', 'level', 'msg']);

function write(level: LoggerLevel, message: string, detail?: unknown, fields?: LogFields): void {
  if (!logEnabled(level)) return;
  if (format === 'json') {
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: plainText(message) };
    for (const [key, value] of Object.entries(fields ?? {})) if (!RESERVED.has(key) && value !== undefined) line[key] = clean(value);
    if (detail !== undefined) line.detail = plainText(describe(detail));
    process.stderr.write(`${JSON.stringify(line)}\n`);
    return;
  }
  const extra = `${fields === undefined ? '' : ` ${describe(fields)}`}${detail === undefined ? '' : ` ${describe(detail)}`}`;
  // Messages and details can quote a tool or a script: no escape sequence reaches the operator's terminal.
  process.stderr.write(`[enclave-mcp] ${level}: ${plainText(`${message}${extra}`)}\n`);
}

export const log = {
  debug: (message: string, detail?: unknown) => write('debug', message, detail),
  info: (message: string, detail?: unknown) => write('info', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  error: (message: string, detail?: unknown) => write('error', message, detail),
  /** A structured line: in JSON its fields sit beside time, level and msg; in text they follow the message as JSON. */
  fields: (level: Exclude<LoggerLevel, 'silent'>, message: string, fields: LogFields) => write(level, message, undefined, fields),
};

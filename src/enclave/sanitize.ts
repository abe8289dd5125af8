// Stage 6: what leaves the enclave. Registered secrets and host paths are replaced, host stack frames
// removed, and sizes capped, in values, logs and error messages alike.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonValue, LogEntry } from './types.js';

/** The package's own folder (…/src/enclave → package root): host paths a script must not learn. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const SECRET_ENV_NAME = /SECRET|TOKEN|PASSW|API_?KEY|PRIVATE|CREDENTIAL|AUTH/i;
const MIN_SECRET_LENGTH = 6;
const HOST_FRAME = /^\s*at .*(\(|\s)(\/|file:|node:|[A-Za-z]:\\).*$/gm;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Environment values whose names say they are secrets: never shown, even if a bug leaked them. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!);
}

export class Redactor {
  private readonly pattern: RegExp | null;

  constructor(secrets: readonly string[], paths: readonly string[]) {
    const secretParts = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].map((s) => ({ s, r: '[REDACTED]' }));
    const pathParts = [...new Set(paths.filter((p) => p.length > 1))].map((s) => ({ s, r: '<host>' }));
    const parts = [...secretParts, ...pathParts].sort((a, b) => b.s.length - a.s.length); // longest first
    this.replacements = new Map(parts.map((p) => [p.s, p.r]));
    this.pattern = parts.length ? new RegExp(parts.map((p) => escape(p.s)).join('|'), 'g') : null;
  }

  private readonly replacements: Map<string, string>;

  text(s: string): string {
    return this.pattern ? s.replace(this.pattern, (m) => this.replacements.get(m) ?? '[REDACTED]') : s;
  }

  /** Error messages additionally lose host stack frames. */
  message(s: string): string {
    return this.text(s.replace(HOST_FRAME, '').trimEnd());
  }

  value(v: JsonValue): JsonValue {
    if (!this.pattern) return v;
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of Object.entries(v)) out[this.text(k)] = this.value(x);
      return out;
    }
    return v;
  }
}

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
    const message = entry.message.length > room ? `${entry.message.slice(0, room)}…[truncated]` : entry.message;
    bytes += message.length;
    out.push({ level: entry.level, message });
  }
  return out;
}

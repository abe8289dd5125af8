// Redaction, the same in every layer: registered secrets and host paths replaced, host stack frames and terminal
// control sequences removed, sizes capped, in values, logs and error messages alike. The enclave applies it to
// what a script returns (stage 6); the tool bridge to what downstream servers say.
import { firstLineStart, lastLineEnd, withoutHostFrames } from './stack-frames.js';
import { capText, MAX_MESSAGE_LENGTH, plainText } from './text.js';
import { type HostDir, hostDirs, pathParts, Replacer } from './replacer.js';

/**
 * JSON as a parser returns it: the enclave's JsonValue, spelled out here because the shared module imports no
 * layer (the two are the same type to the compiler).
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SECRET_ENV_NAME = /SECRET|TOKEN|PASSW|API_?KEY|PRIVATE|CREDENTIAL|AUTH/i;
/** Shorter values are not redacted: replacing every "1234" would garble ordinary data. */
export const MIN_REDACTED_LENGTH = 6;
/**
 * Longer messages have only their start and end cleaned (the rest is not shown): the line rules cost about a
 * microsecond a line, and a handler's message can be a megabyte of short lines.
 */
const MAX_FILTERED_LENGTH = 8 * MAX_MESSAGE_LENGTH;

/** Environment values whose names say they are secrets: never shown, even if a bug leaked them. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && typeof value === 'string' && value.length >= MIN_REDACTED_LENGTH)
    .map(([, value]) => value!);
}

/**
 * Which host paths are redacted where. Everywhere (values, logs, messages): registered secrets and `paths`
 * (the enclave passes its package's folder and the node binary: where it lives itself). In error messages
 * also `messageDirs` (by default the home and temporary folders): a host exception quoting a file there is a
 * host diagnostic, not data. Tool data is not touched beyond the first rule: a filesystem tool's
 * "/workspace/notes.txt" or "/home/me/project/a.md" is the answer the script asked for, and rewriting it would
 * break the next tool call that uses it.
 */
export class Redactor {
  private readonly everywhere: Replacer;
  private readonly inMessages: Replacer;

  constructor(secrets: readonly string[], paths: readonly string[], messageDirs: readonly HostDir[] = hostDirs()) {
    const secretParts = [...new Set(secrets.filter((s) => s.length >= MIN_REDACTED_LENGTH))].map((s) => ({ s, r: '[REDACTED]', path: false }));
    const ownParts = pathParts(paths.map((p) => [p, '<host>'] as const));
    this.everywhere = new Replacer([...secretParts, ...ownParts]);
    this.inMessages = new Replacer([...secretParts, ...ownParts, ...pathParts(messageDirs)]);
  }

  /** Values and keys of data: secrets and the enclave's own paths. */
  text(s: string): string {
    return this.everywhere.apply(s);
  }

  /**
   * A tool name as the script wrote it, shown back (error.tool, events): it is the script's text, so it may hold a
   * secret it read, or terminal escapes. Made plain, redacted and capped like a message.
   */
  toolName(s: string): string {
    return capText(this.inMessages.apply(plainText(s)), 200);
  }

  /** A console line: also made safe to print on a terminal. */
  log(s: string): string {
    return this.text(plainText(s));
  }

  /** Error messages: no control sequences, no host stack frames, no host-private paths, at most MAX_MESSAGE_LENGTH. */
  message(s: string): string {
    // Secrets and host paths first, on the whole text, so that no cut below can leave a part of one.
    const redacted = this.inMessages.apply(s);
    if (redacted.length <= MAX_FILTERED_LENGTH) return capText(this.withoutHostDetail(redacted));
    // A long message: its start and its end (where the advice is) are cleaned apart, each cut at a line end so that
    // no frame is left in part, and shown around what was left out, as capText shows them.
    const start = redacted.slice(0, Math.floor(MAX_FILTERED_LENGTH * 0.75));
    const end = redacted.slice(redacted.length - Math.floor(MAX_FILTERED_LENGTH * 0.2));
    const head = this.withoutHostDetail(start.slice(0, lastLineEnd(start))).slice(0, Math.floor(MAX_MESSAGE_LENGTH * 0.75));
    const tail = this.withoutHostDetail(end.slice(firstLineStart(end))).slice(-Math.floor(MAX_MESSAGE_LENGTH * 0.2));
    return `${head}… [${redacted.length - head.length - tail.length} characters omitted] …${tail}`;
  }

  /** Lines without host frames and places, redacted again (removing text can join the parts of a secret). */
  private withoutHostDetail(s: string): string {
    return this.inMessages.apply(withoutHostFrames(s));
  }

  /** Strings, keys and numbers of a JSON value, at any depth. */
  value(v: Json): Json {
    if (!this.everywhere.active) return v;
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'number') {
      // A number whose digits hold a secret (a PIN, an account number) is that secret too.
      const digits = String(v);
      const redacted = this.text(digits);
      return redacted === digits ? v : redacted;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, Json> = {};
      // defineProperty, not `out[k] =`: a "__proto__" key must stay an own data key, never become the prototype.
      for (const [k, x] of Object.entries(v)) {
        Object.defineProperty(out, this.text(k), { value: this.value(x), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  }
}

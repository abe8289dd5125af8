// `${env:NAME}` substitution in manifest strings: the one way secrets enter a configuration (DESIGN §6).
import { ConfigError } from '../shared/index.js';

/** The environment substitutions read from; `process.env` fits. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  value: string;
  /** The environment values substituted in (not defaults, which are written in the manifest): secrets to redact. */
  fromEnv: string[];
}

/**
 * Syntax, decided here:
 * - `${env:NAME}`: the variable's value; unset is a ConfigError (set but empty is the empty string).
 * - `${env:NAME:-default}`: the default when the variable is unset or empty, as in a POSIX shell. A default ends at the
 *   first `}` and is taken literally (no nested substitution).
 * - `$${`: a literal `${`.
 * - Any other `${…}` (a shell-style `${HOME}`, a typo such as `${ENV:HOME}`) is a ConfigError, never left as text:
 *   a secret that silently failed to substitute would be sent to a server as the literal placeholder.
 */
const SUBSTITUTION = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?$/;
const SYNTAX_HELP = 'write ${env:NAME}, ${env:NAME:-default}, or $${ for a literal "${"';

export function interpolate(text: string, path: string, env: Env): Interpolated {
  const fromEnv: string[] = [];
  let value = '';
  let i = 0;
  for (;;) {
    const start = text.indexOf('$', i);
    if (start < 0) break;
    if (text.startsWith('$${', start)) {
      value += `${text.slice(i, start)}\${`;
      i = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      value += text.slice(i, start + 1);
      i = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end < 0) throw new ConfigError(`"\${" is never closed by "}"; ${SYNTAX_HELP}.`, path);
    const inner = text.slice(start + 2, end);
    const match = SUBSTITUTION.exec(inner);
    if (!match) throw new ConfigError(`"\${${inner}}" is not a substitution; ${SYNTAX_HELP}.`, path);
    const name = match[1]!;
    const fallback = match[2];
    const set = env[name];
    let piece: string;
    if (fallback !== undefined && (set === undefined || set === '')) {
      piece = fallback;
    } else if (set === undefined) {
      throw new ConfigError(`environment variable ${name} is not set. Set it before starting enclave-mcp, or give a default: \${env:${name}:-value}.`, path);
    } else {
      piece = set;
      if (set !== '') fromEnv.push(set);
    }
    value += text.slice(i, start) + piece;
    i = end + 1;
  }
  return { value: value + text.slice(i), fromEnv };
}

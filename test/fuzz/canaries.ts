// Canaries of the fuzz properties, in place before any Enclave or server exists: a secret in the environment (named
// like one, also handed to Enclaves as a `secrets` entry and to manifests and servers through `${env:…}`), a plain
// environment value that nothing redacts, and the content of a file on disk. No generator ever writes one into a
// program, a request or a manifest value, so any of them in any output is a leak, never a false alarm.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const random = (): string => randomBytes(12).toString('hex');

/** The environment variable that holds SECRET_CANARY (its name says "secret", so the redactor knows it too). */
export const SECRET_ENV = 'FUZZ_CANARY_SECRET';
export const SECRET_CANARY = `sk-fuzz-${random()}`;
/** Named like ordinary configuration: nothing redacts it, so a leak would show verbatim. */
export const PLAIN_ENV = 'FUZZ_CANARY_PLAIN';
export const PLAIN_CANARY = `PLAINFUZZ${random()}`;
/** The content of a host file whose path is in the environment (FUZZ_CANARY_FILE). */
export const FILE_CANARY = `FILEFUZZ${random()}`;

const dir = mkdtempSync(join(tmpdir(), 'enclave-fuzz-canary-'));
export const CANARY_FILE = join(dir, 'canary.txt');
writeFileSync(CANARY_FILE, FILE_CANARY);
process.env[SECRET_ENV] = SECRET_CANARY;
process.env[PLAIN_ENV] = PLAIN_CANARY;
process.env.FUZZ_CANARY_FILE = CANARY_FILE;
/** Removes the canary file's folder (also done on exit, which test workers do not always reach). */
export const removeCanaryFile = (): void => rmSync(dir, { recursive: true, force: true });
process.once('exit', removeCanaryFile);

/** What no result, log, HTTP body, error message or server stderr may ever contain. */
export const CANARIES: ReadonlyArray<readonly [what: string, text: string]> = [
  ['the environment secret', SECRET_CANARY],
  ['the plain environment value', PLAIN_CANARY],
  ['the canary file content', FILE_CANARY],
  ['the canary file folder', basename(dir)],
];

/**
 * Pieces of the secret's random part (any 18 of its characters in a row hold one): a secret cut by a length cap
 * before it was redacted still leaks most of itself. 12 random hex characters never occur by chance.
 */
const SECRET_PIECES: ReadonlyArray<readonly [string, string]> = [0, 6, 12].map((at) => [
  'a piece of the environment secret',
  SECRET_CANARY.slice('sk-fuzz-'.length + at, 'sk-fuzz-'.length + at + 12),
]);

/** Host details a client-facing output must not show either (DESIGN §5: no host paths). */
export const HOST_DETAILS: ReadonlyArray<readonly [what: string, text: string]> = [
  ['the repository path', fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')],
];

/** The first canary (or, with `host`, host detail) found in `text`; undefined when it is clean. */
export function leakIn(text: string, host = true): { what: string; needle: string } | undefined {
  for (const [what, needle] of [...CANARIES, ...SECRET_PIECES, ...(host ? HOST_DETAILS : [])]) if (text.includes(needle)) return { what, needle };
  return undefined;
}

/** Throws naming the canary, with the text around it, when `text` holds one. */
export function expectNoLeak(text: string, where: string, host = true): void {
  const leak = leakIn(text, host);
  if (!leak) return;
  const at = text.indexOf(leak.needle);
  throw new Error(`${leak.what} appeared in ${where}: ${JSON.stringify(text.slice(Math.max(0, at - 160), at + leak.needle.length + 160))}`);
}

// Text that is safe to show: on an operator's terminal (no escape sequences) and at a bounded length. The logger,
// the redaction and the enclave's output stage all cut and clean text the same way.

/**
 * Error messages longer than this keep their start and end (where the advice is) and lose the middle. The sandbox
 * caps a script's own exception text at the same bound: one limit for a message, checked on both sides.
 */
export const MAX_MESSAGE_LENGTH = 2_000;

// Terminal control: CSI (ESC [ … final, or the one-byte C1 CSI), OSC/DCS/SOS/PM/APC strings up to BEL or ESC \,
// and two-byte escapes. A log line could otherwise clear an operator's screen or fake a line of host output.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -~]?/g;
// C0 and C1 controls except \t and \n (\r rewrites a line in place), and the bidi overrides that reorder text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print on a terminal: escape sequences and control characters removed, \n and \t kept. */
export function plainText(s: string): string {
  return s.replace(ANSI, '').replace(CONTROL, '');
}

/** Keeps the start and the end of a long text (the advice is at the end) and says how much was cut. */
export function capText(s: string, max = MAX_MESSAGE_LENGTH): string {
  if (s.length <= max) return s;
  const head = Math.floor(max * 0.75);
  const tail = Math.floor(max * 0.2);
  return `${s.slice(0, head)}… [${s.length - head - tail} characters omitted] …${s.slice(s.length - tail)}`;
}

const encoder = new TextEncoder();
/**
 * A string's size in UTF-8 bytes, in Node (Buffer counts without copying) and in the browser, where stages 1–4 run
 * too (the playground's live validation): the same limits must measure the same way on both sides.
 */
export function utf8Length(s: string): number {
  const buffer = (globalThis as { Buffer?: { byteLength(s: string, encoding: 'utf8'): number } }).Buffer;
  return buffer ? buffer.byteLength(s, 'utf8') : encoder.encode(s).length;
}

// The reference for the differential property: the same generated program run by Node's own engine. AgentScript is a
// subset of JavaScript and the grammar's programs are deterministic, so when the Enclave runs one to completion its
// value and its console lines must be what V8 computes. Only grammar programs come here (never mutated or hostile
// text): this runs in the test process, with the same 'fx:echo' as the Enclave's handler.
import { parse } from 'acorn';
import type { JsonValue } from '../../src/enclave/index.js';

type Script = (callTool: unknown, parallel: unknown, console: unknown) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => Script;

export type Reference = { ok: true; value: JsonValue; logs: string[] } | { ok: false; error: string };

/** A script is an async function's body whose last expression statement, if it ends there, is its result. */
function withResult(code: string): string {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true });
  const last = program.body.at(-1);
  if (last?.type !== 'ExpressionStatement') return code;
  return `${code.slice(0, last.start)}return (${code.slice(last.expression.start, last.expression.end)});${code.slice(last.end)}`;
}

const echo = async (name: string, args: { text?: unknown }): Promise<unknown> => {
  if (name !== 'fx:echo' || typeof args.text !== 'string') throw new Error(`unexpected call ${name}`);
  try {
    return JSON.parse(args.text) as unknown;
  } catch {
    return args.text;
  }
};
const parallel = (items: unknown[], each: (item: unknown) => Promise<unknown>): Promise<unknown[]> => Promise.all(items.map((item) => each(item)));

export async function reference(code: string): Promise<Reference> {
  const logs: string[] = [];
  const line = (...args: unknown[]): void => void logs.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  try {
    const run = new AsyncFunction('callTool', 'parallel', 'console', withResult(code));
    // Arguments cross as JSON both ways, as they do between the sandbox and the host.
    const callTool = async (name: string, args: unknown) => JSON.parse(JSON.stringify((await echo(name, JSON.parse(JSON.stringify(args)))) ?? null));
    const value = await run(callTool, parallel, { log: line, info: line, warn: line, error: line });
    return { ok: true, value: JSON.parse(JSON.stringify(value) ?? 'null') as JsonValue, logs };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

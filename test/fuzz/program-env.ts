// The names in scope while a program genome is rendered (programs.ts), by the kind of value they hold.
export type Kind = 'num' | 'str' | 'arr' | 'obj' | 'fn';

export interface Env {
  num: string[];
  str: string[];
  arr: string[];
  obj: string[];
  fn: string[];
  /** `let` numbers and strings, which statements may assign. */
  numLets: string[];
  strLets: string[];
  /** Whether `await` may appear here: false inside arrow bodies. */
  async: boolean;
  /** Shared by every scope of one program: names are unique, so nothing shadows anything. */
  counter: { n: number };
}

export const freshEnv = (): Env => ({ num: [], str: [], arr: [], obj: [], fn: [], numLets: [], strLets: [], async: true, counter: { n: 0 } });

/** A block's scope: what it declares is gone after it. */
export const inner = (env: Env): Env => ({
  ...env,
  num: [...env.num],
  str: [...env.str],
  arr: [...env.arr],
  obj: [...env.obj],
  fn: [...env.fn],
  numLets: [...env.numLets],
  strLets: [...env.strLets],
});

/** A new, unused name. */
export const name = (env: Env, prefix = 'v'): string => `${prefix}${++env.counter.n}`;

/** The name of kind `kind` chosen by `n`, or undefined when there is none. */
export function pick(env: Env, kind: Kind, n: number): string | undefined {
  const names = env[kind];
  return names.length > 0 ? names[Math.abs(n) % names.length] : undefined;
}

export function declare(env: Env, kind: Kind, id: string): string {
  env[kind].push(id);
  return id;
}

/** An arrow's parameter of `kind`: `render(param, bodyEnv)`, where the body may not await. */
export function withVar(env: Env, kind: Kind, render: (param: string, body: Env) => string): string {
  const body = { ...inner(env), async: false };
  return render(declare(body, kind, name(env, 'p')), body);
}

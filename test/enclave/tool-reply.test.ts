// toolReply: one tool call served on the host. Whatever the handler throws or returns, the reply is a value with a
// code and a safe message; it never rejects, and it runs none of a hostile value's code to read it.
import { describe, expect, it } from 'vitest';
import { ToolCallError } from '../../src/enclave/errors.js';
import { Redactor } from '../../src/shared/index.js';
import { toolReply, type ToolReply } from '../../src/enclave/tool-reply.js';
import type { ToolHandler } from '../../src/enclave/types.js';
import { signal } from '../wait-for.js';

const SECRET = 'sk-live-0123456789';
const redactor = new Redactor([SECRET], ['/srv/app'], [['/srv/home', '<home>']]);
const MB = 2 ** 20;
const RUN = {};
const untimed = <T>(work: Promise<T>): Promise<T> => work;

function reply(
  handler: ToolHandler | undefined,
  options: { args?: string; signal?: AbortSignal; maxResultBytes?: number; name?: string } = {},
): Promise<ToolReply> {
  return toolReply({
    handler,
    name: options.name ?? 'crm:lookup',
    argsText: options.args ?? '{"id":1}',
    run: RUN,
    untimed,
    signal: options.signal ?? new AbortController().signal,
    maxResultBytes: options.maxResultBytes ?? MB,
    maxArgsBytes: MB,
    redactor,
  });
}
/** A handler that throws (or rejects with) `reason`. */
const throwing = (reason: () => unknown, how: 'throw' | 'reject' | 'sync' = 'throw'): ToolHandler =>
  how === 'sync'
    ? ((() => {
        throw reason();
      }) as unknown as ToolHandler)
    : how === 'reject'
      ? () => Promise.reject(reason())
      : async () => {
          throw reason();
        };
const failure = async (r: Promise<ToolReply>): Promise<{ code: string; message: string }> => {
  const out = await r;
  if (out.ok) throw new Error(`succeeded with ${out.value}`);
  return out.error;
};

/** Records every trap a Proxy runs; a thrown or returned Proxy must run none (but `then`, which `await` reads). */
function trapped(ran: string[], target: object = {}): object {
  return new Proxy(target, {
    get: (t, k) => {
      if (k !== 'then') ran.push(`get ${String(k)}`);
      return Reflect.get(t, k);
    },
    getOwnPropertyDescriptor: (t, k) => {
      ran.push(`gopd ${String(k)}`);
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
    getPrototypeOf: (t) => {
      ran.push('getPrototypeOf');
      return Reflect.getPrototypeOf(t);
    },
    ownKeys: (t) => {
      ran.push('ownKeys');
      return Reflect.ownKeys(t);
    },
    has: (t, k) => {
      ran.push(`has ${String(k)}`);
      return Reflect.has(t, k);
    },
  });
}

describe('toolReply: results', () => {
  it('passes the parsed arguments and the signal, and answers with the JSON text of the result', async () => {
    const controller = new AbortController();
    let seen: unknown;
    const r = await reply(
      async (name, args, context) => {
        seen = [name, args, context.signal === controller.signal];
        return { ok: true, n: [1] };
      },
      { signal: controller.signal },
    );
    expect(r).toEqual({ ok: true, value: '{"ok":true,"n":[1]}' });
    expect(seen).toEqual(['crm:lookup', { id: 1 }, true]);
  });
  it('undefined becomes null; a plain value returned without a promise is used as is', async () => {
    expect(await reply(async () => undefined)).toEqual({ ok: true, value: 'null' });
    expect(await reply((() => 7) as unknown as ToolHandler)).toEqual({ ok: true, value: '7' });
  });
  it('a class instance is its own enumerable data', async () => {
    class Row {
      id = 1;
      get hidden(): number {
        throw new Error('the getter ran');
      }
    }
    expect(await reply(async () => ({ rows: [new Row()] }))).toEqual({ ok: true, value: '{"rows":[{"id":1}]}' });
  });
  it('a result that is not JSON data is TOOL_ERROR naming the tool and the path, with secrets redacted', async () => {
    const e = await failure(reply(async () => ({ [`k${SECRET}`]: { m: new Map() } })));
    expect(e.code).toBe('TOOL_ERROR');
    expect(e.message).toMatch(/^The tool "crm:lookup" returned a result that is not usable JSON data: \$\.k\[REDACTED\]\.m is a Map/);
  });
  it('a Proxy result is refused, and runs no trap but the `then` that await reads', async () => {
    const ran: string[] = [];
    const e = await failure(reply(async () => trapped(ran, { a: 1 })));
    expect(e).toMatchObject({ code: 'TOOL_ERROR', message: expect.stringMatching(/\$ is a Proxy/) });
    expect(ran).toEqual([]);
  });
  it('a thenable is adopted; one whose then throws is a failure', async () => {
    expect(await reply((() => ({ then: (resolve: (v: unknown) => void) => resolve({ via: 'thenable' }) })) as unknown as ToolHandler)).toEqual({
      ok: true,
      value: '{"via":"thenable"}',
    });
    const e = await failure(
      reply((() => ({
        then: () => {
          throw new Error('then failed');
        },
      })) as unknown as ToolHandler),
    );
    expect(e).toEqual({ code: 'TOOL_ERROR', message: 'then failed' });
  });
  it('a result over the budget is refused', async () => {
    const e = await failure(reply(async () => 'x'.repeat(2_000), { maxResultBytes: 1_000 }));
    expect(e.message).toMatch(/more than the 1000 bytes/);
  });
  it('arguments that are not JSON text are INVALID_TOOL_ARGS', async () => {
    expect(await failure(reply(async () => 1, { args: '{' }))).toMatchObject({ code: 'INVALID_TOOL_ARGS' });
  });
  it('no handler: UNKNOWN_TOOL', async () => {
    expect(await failure(reply(undefined))).toMatchObject({ code: 'UNKNOWN_TOOL', message: expect.stringMatching(/no tools are available/) });
  });
});

describe('toolReply: codes', () => {
  it("a ToolCallError's code", async () => {
    expect(await failure(reply(throwing(() => new ToolCallError('INVALID_TOOL_ARGS', 'limit must be a number'))))).toEqual({
      code: 'INVALID_TOOL_ARGS',
      message: 'limit must be a number',
    });
  });
  it("a plain error's or object's code when it is a tool code", async () => {
    expect((await failure(reply(throwing(() => Object.assign(new Error('nope'), { code: 'POLICY_BLOCKED' }))))).code).toBe('POLICY_BLOCKED');
    expect((await failure(reply(throwing(() => ({ code: 'UNKNOWN_TOOL', message: 'gone' }))))).code).toBe('UNKNOWN_TOOL');
  });
  it('any other code is TOOL_ERROR: a fatal-looking code, a system code, a non-string', async () => {
    for (const code of ['TIMEOUT', 'MEMORY_LIMIT', 'ECONNREFUSED', 500, { code: 'UNKNOWN_TOOL' }]) {
      expect(await failure(reply(throwing(() => Object.assign(new Error('x'), { code }))))).toMatchObject({ code: 'TOOL_ERROR' });
    }
  });
  it('a code behind a getter is not read', async () => {
    let calls = 0;
    const error = Object.defineProperty(new Error('x'), 'code', {
      get() {
        calls++;
        return 'INVALID_TOOL_ARGS';
      },
    });
    expect(await failure(reply(throwing(() => error)))).toEqual({ code: 'TOOL_ERROR', message: 'x' });
    expect(calls).toBe(0);
  });
});

describe('toolReply: messages of whatever the handler throws', () => {
  it('an Error whose message is an object: a bounded JSON rendering of it', async () => {
    const error = new Error('placeholder');
    (error as { message: unknown }).message = { status: 500, body: 'upstream unavailable' };
    expect(await failure(reply(throwing(() => error)))).toEqual({
      code: 'TOOL_ERROR',
      message: 'The tool "crm:lookup" failed: {"status":500,"body":"upstream unavailable"}',
    });
  });
  it('an Error whose message is a number', async () => {
    const error = Object.defineProperty(new Error(), 'message', { value: 503 });
    expect((await failure(reply(throwing(() => error)))).message).toBe('The tool "crm:lookup" failed: 503');
  });
  it('an Error whose message is undefined, or empty: a fallback naming the tool', async () => {
    for (const error of [Object.defineProperty(new Error(), 'message', { value: undefined }), new Error(), new Error('   ')]) {
      expect(await failure(reply(throwing(() => error)))).toEqual({
        code: 'TOOL_ERROR',
        message: expect.stringMatching(/^The tool "crm:lookup" failed \(its error has no readable message\)\. /),
      });
    }
  });
  it('a thrown plain object: its data', async () => {
    expect((await failure(reply(throwing(() => ({ status: 404, error: 'not found' }))))).message).toBe(
      'The tool "crm:lookup" failed: {"status":404,"error":"not found"}',
    );
  });
  it("a downstream's error body: each string inside is cleaned (its traceback, paths and secrets)", async () => {
    const body = `Traceback (most recent call last):\n  File "/srv/app/api.py", line 88, in handler\n    auth(${SECRET})\nPermissionError: denied`;
    const e = await failure(reply(throwing(() => Object.assign(new Error(), { message: { status: 500, body } }))));
    expect(e.message).toBe('The tool "crm:lookup" failed: {"status":500,"body":"PermissionError: denied"}');
  });
  it('a rendering of a huge body is capped', async () => {
    const e = await failure(reply(throwing(() => ({ body: 'y'.repeat(100_000) }))));
    expect(e.message.length).toBeLessThan(2_100);
  });
  it('a message getter that throws is never called', async () => {
    let calls = 0;
    const error = Object.defineProperty(new Error(), 'message', {
      get() {
        calls++;
        throw new Error('getter');
      },
    });
    expect((await failure(reply(throwing(() => error)))).message).toMatch(/no readable message/);
    const plain = Object.defineProperty({}, 'message', {
      enumerable: true,
      get() {
        calls++;
        throw new Error('getter');
      },
    });
    expect((await failure(reply(throwing(() => plain)))).message).toMatch(/a value that is not an error/);
    expect(calls).toBe(0);
  });
  it('name, code, toString and cause getters that throw are never called', async () => {
    let calls = 0;
    const get = (): never => {
      calls++;
      throw new Error('getter');
    };
    const error = new Error('plain message');
    for (const key of ['name', 'code', 'toString', 'cause']) Object.defineProperty(error, key, { get });
    expect(await failure(reply(throwing(() => error)))).toEqual({ code: 'TOOL_ERROR', message: 'plain message' });
    expect(calls).toBe(0);
  });
  it('a thrown Proxy: a fallback, and no trap runs', async () => {
    const ran: string[] = [];
    expect((await failure(reply(throwing(() => trapped(ran, new Error('inside')))))).message).toMatch(/it threw a Proxy/);
    expect(ran).toEqual([]);
  });
  it('an error whose prototype is a Proxy or has hostile accessors: its own data only, no trap or getter runs', async () => {
    const ran: string[] = [];
    const onProxy = Object.assign(Object.create(trapped(ran)) as object, { message: 'own message' });
    expect((await failure(reply(throwing(() => onProxy)))).message).toBe('own message');
    const noMessage = Object.assign(Object.create(trapped(ran)) as object, { status: 500 });
    expect((await failure(reply(throwing(() => noMessage)))).message).toMatch(/a value that is not an error/);
    let calls = 0;
    const hostile = Object.create({
      get message() {
        calls++;
        return 'inherited';
      },
      get code() {
        calls++;
        return 'UNKNOWN_TOOL';
      },
    }) as object;
    expect(await failure(reply(throwing(() => hostile)))).toMatchObject({ code: 'TOOL_ERROR' });
    expect([ran, calls]).toEqual([[], 0]);
  });
  it('thrown primitives and other values', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['plain text', /^plain text$/],
      ['', /threw an empty string/],
      [42, /threw 42/],
      [10n, /threw 10/],
      [true, /threw true/],
      [null, /threw null/],
      [undefined, /threw undefined/],
      [Symbol('s'), /threw a symbol/],
      [() => 1, /not an error/],
    ];
    for (const [value, expected] of cases) expect((await failure(reply(throwing(() => value)))).message).toMatch(expected);
  });
  it('secrets, host paths and stack frames are removed from a message, which is capped', async () => {
    const error = new Error(`auth failed for ${SECRET} reading /srv/home/me/.netrc`);
    error.message += `\n${error.stack ?? ''}`;
    const e = await failure(reply(throwing(() => error)));
    expect(e.message).toBe('auth failed for [REDACTED] reading <home>/me/.netrc\nError: auth failed for [REDACTED] reading <home>/me/.netrc');
    expect((await failure(reply(throwing(() => new Error('z'.repeat(1e6)))))).message.length).toBeLessThan(2_100);
  });
});

describe('toolReply: never rejects', () => {
  const hostile: Array<[string, () => unknown]> = [
    ['an Error with an object message', () => Object.assign(new Error(), { message: { a: 1 } })],
    [
      'an Error with a Proxy message',
      () =>
        Object.assign(new Error(), {
          message: new Proxy(
            {},
            {
              get: () => {
                throw new Error('trap');
              },
            },
          ),
        }),
    ],
    [
      'a revoked Proxy',
      () => {
        const p = Proxy.revocable({}, {});
        p.revoke();
        return p.proxy;
      },
    ],
    ['an object with a null prototype', () => Object.create(null) as object],
    [
      'an object whose message is a cycle',
      () => {
        const m: Record<string, unknown> = {};
        m.self = m;
        return { message: m };
      },
    ],
    [
      'a frozen function with a throwing message getter',
      () =>
        Object.freeze(
          Object.defineProperty(() => 1, 'message', {
            get() {
              throw new Error('x');
            },
          }),
        ),
    ],
  ];
  for (const how of ['throw', 'reject', 'sync'] as const) {
    it.each(hostile)(`when the handler does "${how}" with %s`, async (_name, value) => {
      const r = await reply(throwing(value, how));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('TOOL_ERROR');
    });
  }
  it('a handler that never settles: the reply comes when the call is aborted', async () => {
    const controller = new AbortController();
    const called = signal();
    const pending = reply(
      () => {
        called.resolve();
        return new Promise(() => {});
      },
      { signal: controller.signal },
    );
    await called.promise; // the handler holds the call
    controller.abort();
    expect(await failure(pending)).toMatchObject({ code: 'TOOL_ERROR', message: expect.stringMatching(/cancelled/) });
  });
});

describe('arguments too large to parse here', () => {
  it('are refused with INVALID_TOOL_ARGS before any of them is read, and the handler is not called', async () => {
    let called = false;
    const r = await toolReply({
      handler: async () => {
        called = true;
        return 1;
      },
      name: 'a:b',
      argsText: `{"x":"${'y'.repeat(2000)}"}`,
      signal: new AbortController().signal,
      run: RUN,
      untimed,
      maxResultBytes: MB,
      maxArgsBytes: 1000,
      redactor,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_TOOL_ARGS' } });
    expect(called).toBe(false);
  });
});

// The host survives any handler (issue 8): a toolHandler that throws or returns anything at all, run end to end
// through new Enclave({ toolHandler }).run(). Each case is one technique; each checks the code the script sees, that no
// host path, host frame or secret reaches the result, and (at the end) that the process is intact and still serves.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave, EnclaveConfigError, ToolCallError, type ExecutionResult, type ToolHandler } from '../../src/enclave/index.js';

const SECRET = `sk-live-${randomBytes(12).toString('hex')}`;
const REPO = process.cwd();
/** Host places and frames a result must never show, in any format. */
const HOST_MARKERS: ReadonlyArray<[string, RegExp]> = [
  ['a JavaScript frame', /^\s*at .*(?:\/|file:|node:|[A-Za-z]:\\)/m],
  ['a Python frame', /File "[^"]*", line \d+|Traceback \(most recent/],
  ['a Java or .NET frame', /^\s*at [\w$.]+\(.*\)/m],
  ['a Go frame', /goroutine \d+ \[|\.go:\d+/],
  ['a Ruby or PHP frame', /\.rb:\d+:in |^#\d+ \S+\.php\(\d+\)/m],
  ['a host path', /\/srv\/|\/home\/|C:\\Users|\\\\fs01/],
];

/** Unhandled rejections are how the old code died ("s.replace is not a function", exit 1): none may happen here. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

// One Enclave for every case (each run brings its own handler), and one with a short deadline for the handler
// that never answers. Their default handler is never called.
const unused: ToolHandler = async () => {
  throw new ToolCallError('UNKNOWN_TOOL', 'no default handler');
};
const shared = new Enclave({ toolHandler: unused, secrets: [SECRET], poolSize: 1 });
const quick = new Enclave({ toolHandler: unused, secrets: [SECRET], poolSize: 1, limits: { timeoutMs: 300 } });
// For the 400,000-key result, whose run took 1.5–1.8 s under CI's load (STRICT allows 5): its deadline is not the test.
const roomy = new Enclave({ toolHandler: unused, secrets: [SECRET], poolSize: 1, limits: { timeoutMs: 60_000 } });
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all([shared.dispose(), quick.dispose(), roomy.dispose()]);
});
/** `run` on an Enclave whose tool calls go to `toolHandler`. */
function enclaveWith(toolHandler: ToolHandler, options: { timeoutMs?: number } = {}): { run(code: string): Promise<ExecutionResult> } {
  const enclave = options.timeoutMs ? quick : shared;
  return { run: (code) => enclave.run(code, { toolHandler }) };
}
const error = (message: unknown, extra: Record<string, unknown> = {}): Error =>
  Object.assign(Object.defineProperty(new Error('placeholder'), 'message', { value: message, writable: true, configurable: true }), extra);
const TRACE_PY = `Traceback (most recent call last):\n  File "/srv/app.py", line 88, in handler\n    return lookup(${JSON.stringify(SECRET)})\n  File "/srv/db.py", line 12, in lookup\n    raise KeyError(key)\nKeyError: 'id'`;

/** Runs `callTool('evil:x')` uncaught and caught; both must show `code`, and neither a host detail nor the secret. */
async function expectToolFailure(handler: ToolHandler, code: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const enclave = enclaveWith(handler, options);
  const uncaught = await enclave.run("const r = await callTool('evil:x', {});\nreturn r;");
  expect(uncaught).toMatchObject({ success: false, error: { code } });
  const caught = await enclave.run("try { await callTool('evil:x', {}); return 'no'; } catch (e) { return { code: e.code, message: e.message }; }");
  if (code !== 'TIMEOUT') expect(caught).toMatchObject({ success: true, value: { code } });
  for (const r of [uncaught, caught]) expectNoLeak(r);
  return uncaught.error!.message;
}
function expectNoLeak(r: ExecutionResult): void {
  const all = JSON.stringify(r);
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain(REPO);
  const texts = [r.error?.message ?? '', typeof r.value === 'string' ? r.value : JSON.stringify(r.value ?? null)];
  for (const text of texts) for (const [what, re] of HOST_MARKERS) expect(re.test(text), `${what} in ${JSON.stringify(text)}`).toBe(false);
}

describe('a handler that throws something unusual', () => {
  it('a thrown Error whose message is an object', async () => {
    const message = await expectToolFailure(async () => {
      throw error({ status: 500, body: 'upstream unavailable' });
    }, 'TOOL_ERROR');
    expect(message).toContain('The tool "evil:x" failed: {"status":500,"body":"upstream unavailable"}');
  });
  it('a thrown Error whose message is an object holding a Python traceback and a secret', async () => {
    const message = await expectToolFailure(async () => {
      throw error({ status: 500, body: TRACE_PY });
    }, 'TOOL_ERROR');
    expect(message).toContain(`{"status":500,"body":"KeyError: 'id'"}`);
  });
  it('a thrown Error whose message is a number', async () => {
    expect(
      await expectToolFailure(async () => {
        throw error(503);
      }, 'TOOL_ERROR'),
    ).toContain('failed: 503');
  });
  it('a thrown Error whose message is undefined', async () => {
    expect(
      await expectToolFailure(async () => {
        throw error(undefined);
      }, 'TOOL_ERROR'),
    ).toMatch(/The tool "evil:x" failed \(its error has no readable message\)/);
  });
  it('a thrown Error whose message is a getter that throws', async () => {
    let calls = 0;
    const e = Object.defineProperty(new Error(), 'message', {
      get() {
        calls++;
        throw new Error('getter ran');
      },
    });
    await expectToolFailure(async () => {
      throw e;
    }, 'TOOL_ERROR');
    expect(calls).toBe(0);
  });
  it('a thrown Error whose code and name are getters that throw', async () => {
    let calls = 0;
    const get = (): never => {
      calls++;
      throw new Error('getter ran');
    };
    const e = Object.defineProperty(Object.defineProperty(new Error('backend down'), 'code', { get }), 'name', { get });
    expect(
      await expectToolFailure(async () => {
        throw e;
      }, 'TOOL_ERROR'),
    ).toContain('backend down');
    expect(calls).toBe(0);
  });
  it('a thrown Proxy', async () => {
    const ran: string[] = [];
    const proxy = new Proxy(new Error('inside'), {
      get: (t, k) => {
        ran.push(String(k));
        return Reflect.get(t, k);
      },
      getOwnPropertyDescriptor: (t, k) => {
        ran.push(String(k));
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
    });
    expect(
      await expectToolFailure(async () => {
        throw proxy;
      }, 'TOOL_ERROR'),
    ).toMatch(/threw a Proxy/);
    expect(ran).toEqual([]);
  });
  it('a thrown object whose prototype is a Proxy', async () => {
    const ran: string[] = [];
    const proto = new Proxy(
      {},
      {
        get: (_t, k) => {
          ran.push(String(k));
          return 'INVALID_TOOL_ARGS';
        },
        getPrototypeOf: () => {
          ran.push('proto');
          return null;
        },
      },
    );
    expect(
      await expectToolFailure(async () => {
        throw Object.assign(Object.create(proto) as object, { message: 'own text' });
      }, 'TOOL_ERROR'),
    ).toContain('own text');
    expect(ran).toEqual([]);
  });
  it('a thrown object whose prototype has throwing accessors', async () => {
    let calls = 0;
    const proto = {
      get message(): string {
        calls++;
        throw new Error('x');
      },
      get code(): string {
        calls++;
        throw new Error('x');
      },
    };
    await expectToolFailure(async () => {
      throw Object.create(proto);
    }, 'TOOL_ERROR');
    expect(calls).toBe(0);
  });
  it('a thrown non-Error: a number, a symbol, a function, null', async () => {
    for (const value of [42, Symbol('s'), () => 1, null])
      await expectToolFailure(async () => {
        throw value;
      }, 'TOOL_ERROR');
  });
  it('a plain error with a tool code keeps it; a fatal-looking code does not pass', async () => {
    await expectToolFailure(async () => {
      throw error('bad limit', { code: 'INVALID_TOOL_ARGS' });
    }, 'INVALID_TOOL_ARGS');
    await expectToolFailure(async () => {
      throw error('fake', { code: 'MEMORY_LIMIT' });
    }, 'TOOL_ERROR');
  });
  it('a rejected promise whose reason is an Error with an object message', async () => {
    await expectToolFailure(() => Promise.reject(error({ status: 502 })), 'TOOL_ERROR');
  });
  it('a synchronous throw of an Error with an object message', async () => {
    await expectToolFailure(
      (() => {
        throw error({ status: 500 });
      }) as unknown as ToolHandler,
      'TOOL_ERROR',
    );
  });
  it('a thenable whose then throws', async () => {
    await expectToolFailure(
      (() => ({
        then() {
          throw error({ status: 500 });
        },
      })) as unknown as ToolHandler,
      'TOOL_ERROR',
    );
  });
  it('a thenable that never settles: the script ends at its deadline', async () => {
    await expectToolFailure(
      (() => ({
        then() {
          /* never */
        },
      })) as unknown as ToolHandler,
      'TIMEOUT',
      { timeoutMs: 300 },
    );
  });
});

describe('host stack frames and paths in a message, in every format', () => {
  const traces: Array<[string, string]> = [
    ['a Python traceback', `lookup failed\n${TRACE_PY}`],
    [
      'JavaScript frames separated by \\r only',
      `lookup failed\r    at handler (/srv/app/handler.js:10:5)\r    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
    ],
    [
      'JavaScript frames with Windows and UNC paths',
      'lookup failed\r\n    at handler (C:\\Users\\svc\\app\\x.js:1:2)\r\n    at \\\\fs01\\share\\app\\y.js:3:4',
    ],
    [
      'a Java trace with its cause',
      'lookup failed\n\tat com.example.Api.get(Api.java:42)\nCaused by: java.io.IOException: reset\n\tat com.example.Net.read(Net.kt:7)\n\t... 3 more',
    ],
    [
      'a .NET trace with a Windows path',
      'lookup failed\n   at Api.Store.Get(String id) in C:\\Users\\svc\\src\\Store.cs:line 42\n--- End of stack trace from previous location ---',
    ],
    ['a Go panic', 'lookup failed\n\ngoroutine 1 [running]:\nmain.get(0xc000010000)\n\t/home/svc/main.go:12 +0x1d'],
    ['a Ruby backtrace', "/srv/app/x.rb:10:in 'get': lookup failed (RuntimeError)\n\tfrom /srv/app/x.rb:14:in '<main>'"],
    ['a PHP trace', 'lookup failed in /srv/www/x.php:12\nStack trace:\n#0 /srv/www/x.php(20): get()\n#1 {main}'],
  ];
  it.each(traces)('%s', async (_technique, message) => {
    const shown = await expectToolFailure(async () => {
      throw new Error(message);
    }, 'TOOL_ERROR');
    expect(shown).toMatch(/lookup failed/);
  });
  it('a message carrying the secret', async () => {
    expect(
      await expectToolFailure(async () => {
        throw new Error(`token ${SECRET} refused`);
      }, 'TOOL_ERROR'),
    ).toContain('token [REDACTED] refused');
  });
});

describe('a handler that returns something unusual', () => {
  it('a Proxy result', async () => {
    const ran: string[] = [];
    const proxy = new Proxy(
      { a: 1 },
      {
        get: (t, k) => {
          if (k !== 'then') ran.push(String(k));
          return Reflect.get(t, k);
        },
        ownKeys: (t) => {
          ran.push('ownKeys');
          return Reflect.ownKeys(t);
        },
      },
    );
    expect(await expectToolFailure(async () => proxy, 'TOOL_ERROR')).toMatch(/is a Proxy/);
    expect(ran).toEqual([]);
  });
  it('a Map, with what to return instead', async () => {
    expect(await expectToolFailure(async () => ({ rows: new Map([['a', 1]]) }), 'TOOL_ERROR')).toMatch(
      /\$\.rows is a Map, which JSON cannot carry; return Object\.fromEntries/,
    );
  });
  it('a class instance: read as its own data, its getters never run', async () => {
    let calls = 0;
    class Row {
      id = 7;
      name = 'seven';
      get secret(): string {
        calls++;
        return SECRET;
      }
    }
    const r = await enclaveWith(async () => ({ rows: [new Row()] })).run("const r = await callTool('evil:x', {});\nreturn r;");
    expect(r).toMatchObject({ success: true, value: { rows: [{ id: 7, name: 'seven' }] } });
    expect(calls).toBe(0);
  });
  it('undefined: the script receives null', async () => {
    expect(await enclaveWith(async () => undefined).run("const r = await callTool('evil:x', {});\nreturn r === null;")).toMatchObject({
      success: true,
      value: true,
    });
  });
  // How long each block lasts is the benchmark's to say (bench/responsiveness.ts: 400,000 keys end to end). Here the
  // order of events shows the conversion gives the event loop its turns: a macrotask queued when the handler returns
  // runs before the call ends. The one-pass conversion of issue 8 ran to its end first (300–500 ms in one block).
  it("a 400,000-key result is converted without holding the host's event loop until it is done", async () => {
    const rows = { items: Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `row ${i}`, ok: true, n: i % 7 })) };
    const order: string[] = [];
    const toolHandler: ToolHandler = async () => {
      setImmediate(() => order.push('another task ran'));
      return rows;
    };
    const r = await roomy.run("const r = await callTool('evil:x', {});\nreturn r.items.length;", {
      toolHandler,
      onEvent: (e) => void (e.type === 'tool-call-end' && order.push('the call ended')),
    });
    expect(r).toMatchObject({ success: true, value: 100_000 });
    expect(order).toEqual(['another task ran', 'the call ended']);
  }, 60_000);
});

describe('unknown options are refused', () => {
  it('`secret` for `secrets` is refused instead of silently turning redaction off', () => {
    expect(() => new Enclave({ secret: [SECRET] } as never)).toThrow(EnclaveConfigError);
    expect(() => new Enclave({ secret: [SECRET] } as never)).toThrow(/secret is not an option \(did you mean secrets\?\)/);
  });
});

describe('after every technique', () => {
  it('the process is intact, nothing was left unhandled, and a clean script still runs', async () => {
    // One turn of the event loop: Node reports a rejection left unhandled when the microtasks of its turn are done.
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
    const enclave = enclaveWith(async () => {
      throw new ToolCallError('UNKNOWN_TOOL', 'none');
    });
    expect(await enclave.run('const xs = [1, 2, 3];\nreturn xs.map((x) => x * 2);')).toMatchObject({ success: true, value: [2, 4, 6] });
  });
});

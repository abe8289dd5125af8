// Types of the sandbox-side JavaScript in this folder. Those files run inside QuickJS, not in Node: tsc checks
// them (checkJs) against these declarations, and they may use only ECMAScript built-ins. Each file is one
// function expression, evaluated as text in every fresh sandbox context (see ../sandbox-source.ts).

declare namespace Sandbox {
  /** The functions the worker gives the prelude (../prepared.ts). Only strings, numbers and booleans cross. */
  interface Host {
    /** True when the run was stopped from outside (deadline, cancel, a fatal error the host recorded). */
    poll(): boolean;
    /** The run's deadline now (epoch ms): the one in the config, moved later by the time the host stopped the clock. */
    deadline(): number;
    /** Records a limit or policy violation; the prelude throws, and the engine is interrupted at its next poll. */
    fatal(code: string, detail: string, stack: string, iterations: number, toolCalls: number): void;
    /** Starts a tool call: a promise of the result's JSON text, or a string code when the host refused the call. */
    tool(name: string, args: string): Promise<string> | string;
    log(level: string, message: string): void;
    done(json: string, iterations: number, toolCalls: number): void;
    fail(info: string, iterations: number, toolCalls: number): void;
    /** Deepest bracket nesting of JSON text (measured on the host, outside the engine's stack). */
    depth(text: string): number;
    /** '' when the pattern is safe to run with these flags, else why not (the host also records the violation). */
    regexRisk(source: string, flags: string): string;
    /** Whether the instance's memory has reached its cap: a `null` thrown then is the engine out of memory. */
    memoryFull(): boolean;
    /** Compiles ext.js on first use. */
    ext(): ExtFactory;
  }

  /** The run's limits and policy, applied by configure() just before the script starts. */
  interface Config {
    maxIterations: number;
    maxToolCalls: number;
    maxConcurrency: number;
    maxResultBytes: number;
    maxLogBytes: number;
    maxLogCalls: number;
    /** Largest string one operation may build, in characters. */
    maxStringLength: number;
    /** Largest array (or array-like length) a built-in may walk or build, in elements. */
    maxArrayLength: number;
    /** Deepest JSON nesting that JSON.parse / stringify accept. */
    maxJsonDepth: number;
    /** Most values one JSON walk may visit: bounds shared-reference DAGs. */
    maxJsonNodes: number;
    /** Longest text a script's own exception carries out. */
    maxMessageLength: number;
    /** Longest tool name a call may use. */
    maxToolNameLength: number;
    /** Largest JSON text of one call's arguments (the host parses it on its main thread). */
    maxToolArgsBytes: number;
    deadline: number;
    /** Four random 32-bit words from the host: Math.random's seed for this run. */
    seed: number[];
    /** JSON object of extra read-only globals. */
    globals: string;
  }

  /** Counters and flags of one run. */
  interface State {
    iterations: number;
    toolCalls: number;
    logCalls: number;
    logChars: number;
    logClosed: boolean;
    dead: boolean;
    polled: number;
    /** One iteration already charged by a counted callback wrapper, for the script function it calls. */
    credit: boolean;
  }

  type Fn = (...args: any[]) => any; // built-ins and script functions of every shape pass through the guards

  /** Built-ins captured before any script runs (intrinsics.js). */
  interface Intrinsics {
    G: Record<string, any>; // the global object, while the prelude sets it up
    apply: (fn: Fn, self: unknown, args: ArrayLike<unknown>) => any;
    freeze: <T>(o: T) => Readonly<T>;
    defineProperty: ObjectConstructor['defineProperty'];
    deleteProperty: (o: object, key: PropertyKey) => boolean;
    getOwnPropertyDescriptor: ObjectConstructor['getOwnPropertyDescriptor'];
    ownKeys: (o: object) => (string | symbol)[];
    getPrototypeOf: (o: any) => object | null;
    setPrototypeOf: (o: any, proto: object | null) => any;
    preventExtensions: <T>(o: T) => T;
    create: (proto: object | null) => any;
    keys: (o: object) => string[];
    values: (o: object) => unknown[];
    entries: (o: object) => [string, unknown][];
    assign: ObjectConstructor['assign'];
    fromEntries: ObjectConstructor['fromEntries'];
    hasOwn: (o: object, key: PropertyKey) => boolean;
    isArray: (v: unknown) => v is unknown[];
    ArrayC: ArrayConstructor;
    arrayFrom: ArrayConstructor['from'];
    arrayOf: ArrayConstructor['of'];
    String: StringConstructor;
    Error: ErrorConstructor;
    TypeError: TypeErrorConstructor;
    InternalError: ErrorConstructor | undefined;
    Map: MapConstructor;
    Set: SetConstructor;
    WeakMap: WeakMapConstructor;
    Date: DateConstructor;
    Promise: PromiseConstructor;
    RegExp: RegExpConstructor | undefined;
    iteratorSymbol: symbol;
    hasInstanceSymbol: symbol;
    matchSymbol: symbol;
    replaceSymbol: symbol;
    splitSymbol: symbol;
    Int32Array: Int32ArrayConstructor;
    jsonParse: JSON['parse'];
    jsonStringify: (value: unknown, replacer?: any, space?: any) => string;
    now: () => number;
    isNaN: (v: unknown) => boolean;
    then: Fn;
    promiseAll: Fn;
    promiseAllSettled: Fn;
    dateGetTime: Fn;
    dateToISOString: Fn;
    dateToJSON: Fn;
    mapGet: Fn;
    mapSet: Fn;
    mapHas: Fn;
    setAdd: Fn;
    setHas: Fn;
    setDelete: Fn;
    weakMapGet: Fn;
    weakMapSet: Fn;
    stringSlice: Fn;
    stringIndexOf: Fn;
    stringReplaceAll: Fn;
  }

  /** budget.js: the counters and the one way a limit ends the run. */
  interface Budget {
    st: State;
    cfg: Config;
    fatal(code: string, detail?: unknown): never;
    alive(): void;
    iter(): void;
    /** Looks at the clock (and for a cancel) every 10 ms, without counting an iteration. */
    tick(): void;
    counted<F extends Fn>(fn: F): F;
    tooBig(what: string, n: number): never;
    size<T>(v: T): T;
    strLimit(n: number): void;
    checkLength(n: number): void;
    caught(e: unknown): void;
  }

  interface ExtDeps {
    I: Intrinsics;
    b: Budget;
    host: Host;
    toolErrors: WeakMap<object, { code: string; tool: string }>;
  }
  type ExtFactory = (deps: ExtDeps) => Ext;

  /** ext.js: the JSON copy walk, parallel(), console formatting, result and failure reporting. */
  interface Ext {
    /** A fresh plain-data copy of `value` (what JSON.stringify would write, read once), or a thrown TypeError. */
    copy(value: unknown, strict: boolean, maxBytes: number, what: string, count?: { nodes: number; bytes: number }): unknown;
    /** JSON text of `value`, through copy(). */
    text(value: unknown, strict: boolean, maxBytes: number, what: string, replacer?: unknown, space?: unknown): string | undefined;
    parallel(items: unknown, fn: unknown, options: unknown): Promise<unknown[]>;
    format(args: unknown[]): string;
    failed(e: unknown): void;
    result(v: unknown): void;
  }
}

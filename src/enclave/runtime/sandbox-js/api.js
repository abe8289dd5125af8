// @ts-check
// Step 7: what a script calls — callTool, parallel, console, JSON — and the wrapper that turns the script's
// promise into one result for the host. Data leaves the sandbox only as JSON text made by ext.js's copy walk.

(function makeApi(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b, /** @type {Sandbox.Host} */ host) {
  'use strict';
  const { apply, isArray, jsonParse } = I;
  const { st, cfg } = b;
  const Err = I.Error;
  const TypeErr = I.TypeError;
  // Tool errors this prelude made, with the code and tool the host gave: a script can set e.code on any error
  // it throws, so a code is trusted only from here.
  /** @type {WeakMap<object, { code: string, tool: string }>} */
  const toolErrors = new I.WeakMap();
  /** @type {Sandbox.Ext | null} */
  let extension = null;
  const ext = () => extension || (extension = host.ext()({ I, b, host, toolErrors }));

  /** @param {unknown} name @param {unknown} [args] */
  const callTool = (name, args) => {
    b.alive();
    if (typeof name !== 'string' || name === '') throw new TypeErr("callTool(name, args): name must be a string like 'server:tool'.");
    if (name.length > cfg.maxToolNameLength) throw new TypeErr(`callTool(name, args): a tool name has at most ${cfg.maxToolNameLength} characters.`);
    // Strings reach the host as C strings, which end at the first NUL: 'evil:data\0junk' would call evil:data.
    if (apply(I.stringIndexOf, name, ['\0']) >= 0) throw new TypeErr('callTool(name, args): a tool name cannot contain the NUL character.');
    if (args === undefined) args = {};
    if (args === null || typeof args !== 'object' || isArray(args)) throw new TypeErr('callTool(name, args): args must be an object, e.g. { query: "x" }.');
    if (++st.toolCalls > cfg.maxToolCalls) b.fatal('MAX_TOOL_CALLS');
    const site = new Err(); // the script's line of this call: where an uncaught failure is reported
    /** A failed call as the script sees it: an Error with the code, which only this prelude can make. @param {{ code: string, message: string }} info */
    const toolError = (info) => {
      const e = new Err(info.message);
      e.name = 'ToolError';
      /** @type {any} */ (e).code = info.code; // scripts read e.code; the WeakMap is what the host trusts
      /** @type {any} */ (e).tool = name;
      e.stack = site.stack;
      apply(I.weakMapSet, toolErrors, [e, { code: info.code, tool: name }]);
      return e;
    };
    // The host parses the arguments on its main thread: they have a budget of their own (cfg.maxToolArgsBytes).
    const text = ext().text(args, true, cfg.maxToolArgsBytes, 'args');
    if (text === undefined) {
      const message = `The arguments of ${name} are larger than ${cfg.maxToolArgsBytes} bytes of JSON. Pass less data per call (split it over several calls), or a reference the tool can read instead.`;
      return I.Promise.reject(toolError({ code: 'INVALID_TOOL_ARGS', message }));
    }
    // An object whose JSON is not an object (a Date, anything with toJSON) would reach the tool as a string or null.
    if (apply(I.stringSlice, text, [0, 1]) !== '{') {
      throw new TypeErr('callTool(name, args): args must be a plain object, e.g. { query: "x" } (this one turns into another kind of JSON value).');
    }
    const pending = host.tool(name, text);
    // The host refused the call itself (a policy the script's text hid from the validator): fatal, with its code.
    if (typeof pending === 'string') return b.fatal(pending);
    return apply(I.then, pending, [
      jsonParse,
      (/** @type {string} */ reply) => {
        throw toolError(jsonParse(reply));
      },
    ]);
  };

  /** @param {unknown} items @param {unknown} fn @param {unknown} [options] */
  const parallel = (items, fn, options) => ext().parallel(items, fn, options);

  // Console lines are cut to the level's budget (characters per run, calls per run) before they leave the
  // sandbox: one script must not stream megabytes of notifications to a client.
  /** @param {string} level */
  const logger =
    (level) =>
    (/** @type {unknown[]} */ ...a) => {
      b.alive();
      if (st.logClosed) return;
      if (++st.logCalls > cfg.maxLogCalls) {
        st.logClosed = true;
        host.log('warn', `[console output truncated: more than ${cfg.maxLogCalls} calls]`);
        return;
      }
      const room = cfg.maxLogBytes - st.logChars;
      let text = a.length === 1 && typeof a[0] === 'string' ? a[0] : ext().format(a);
      if (text.length > room) {
        text = apply(I.stringSlice, text, [0, Math.max(room, 0)]);
        st.logClosed = true;
      }
      // The host reads a C string, cut at the first NUL: the rest of the line would vanish unseen. Shown as \0, and
      // counted as shown.
      if (apply(I.stringIndexOf, text, ['\0']) >= 0) text = apply(I.stringReplaceAll, text, ['\0', '\\0']);
      st.logChars += text.length;
      if (text !== '' || !st.logClosed) host.log(level, text);
      if (st.logClosed) host.log('warn', `[console output truncated at ${cfg.maxLogBytes} characters]`);
    };
  const console = { log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error') };

  /** @param {unknown} value @param {unknown} [replacer] @param {unknown} [space] */
  const stringify = (value, replacer, space) => ext().text(value, false, cfg.maxStringLength, 'json', replacer, space);
  /** @param {unknown} text @param {unknown} [reviver] */
  const parse = (text, reviver) => {
    const s = I.String(text);
    if (s.length > cfg.maxJsonDepth && host.depth(s) > cfg.maxJsonDepth)
      throw new TypeErr(`JSON.parse: the text nests deeper than ${cfg.maxJsonDepth} levels.`);
    return typeof reviver === 'function' ? jsonParse(s, b.counted(/** @type {Sandbox.Fn} */ (reviver))) : jsonParse(s);
  };

  // The script body is `async function () { … }`; its settled promise becomes the run's one result.
  /** @param {() => Promise<unknown>} main */
  const run = (main) => {
    apply(I.then, main(), [
      (/** @type {unknown} */ value) => {
        if (st.dead) return;
        const v = value === undefined ? null : value;
        try {
          if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
            // A string result is measured before it is written (escapes make its JSON up to six times longer).
            if (typeof v === 'string' && v.length + 2 > cfg.maxResultBytes) b.fatal('OUTPUT_LIMIT');
            host.done(I.jsonStringify(v), st.iterations, st.toolCalls);
          } else ext().result(v);
        } catch (e) {
          // Nothing may be lost here (this handler's own rejection would go unseen): a limit, or else a failure.
          b.caught(e);
          if (!st.dead) ext().failed(e);
        }
      },
      (/** @type {unknown} */ e) => {
        b.caught(e); // an uncaught limit or out-of-memory error is that, not a script error
        if (!st.dead) ext().failed(e);
      },
    ]);
  };

  return { callTool, parallel, console, stringify, parse, run, ext };
});

// @ts-check
// Compiled by the prelude once the realm is locked (a separate text, evaluated through the host's ext(), so that the
// prelude's own compile stays small): the JSON copy walk, parallel(), console formatting, result and failure reporting.

(function makeExt(/** @type {Sandbox.ExtDeps} */ deps) {
  'use strict';
  const { I, b, host, toolErrors } = deps;
  const { apply, isArray, keys, create, jsonStringify } = I;
  const { st, cfg } = b;
  const TypeErr = I.TypeError;
  const Err = I.Error;

  /** One step of the walk: [value, depth, parent entry, key] (an exit marker carries the object left). */
  /** @typedef {[unknown, number, Entry | null, string | number]} Entry */
  const EXIT = I.freeze(create(null));
  /** Thrown by the walk of a tool call's arguments past their budget; text() answers undefined for it. */
  const TOO_LARGE = I.freeze(create(null));
  const MAX_REPLACER_KEYS = 1000;
  /**
   * A list of names makes the native JSON.stringify look each one up on every object, in one call that polls
   * nothing: 1,000 names over 400,000 objects took 22 s. Names × objects stay under this (about 60 ms).
   */
  const MAX_REPLACER_LOOKUPS = 2e6;

  /** The path of an entry ($.a[3].b), built only when an error names it. @param {Entry} entry */
  const pathOf = (entry) => {
    let p = '';
    for (let e = /** @type {Entry | null} */ (entry); e !== null; e = e[2]) {
      p = (e[2] === null ? '$' : typeof e[3] === 'number' ? `[${e[3]}]` : `.${e[3]}`) + p;
    }
    return p;
  };
  /** @param {unknown} v */
  const describe = (v) =>
    typeof v === 'function'
      ? 'a function'
      : typeof v === 'bigint'
        ? 'a BigInt'
        : typeof v === 'symbol'
          ? 'a symbol'
          : v instanceof I.Map
            ? 'a Map (use Object.fromEntries(map))'
            : v instanceof I.Set
              ? 'a Set (use [...set])'
              : 'not JSON';
  /**
   * A real Date: one that inherits from Date.prototype (cheap, and checked first: a failed brand check throws, and
   * an exception per value made a walk of 50,000 values take seconds) and whose internal slot answers getTime.
   * @param {unknown} v
   */
  const isDate = (v) => {
    if (!(v instanceof I.Date)) return false;
    try {
      apply(I.dateGetTime, v, []);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * A fresh copy of `root` as plain data: what JSON.stringify would write, with every property read exactly
   * once, so the native JSON.stringify that runs on the copy meets no toJSON, getter or shared reference the
   * walk did not see and count. Iterative (a recursive walk would overflow the stack it guards); counts values
   * and estimates bytes as it goes. strict: anything that is not JSON data (functions, symbols, BigInts, Maps,
   * Sets) is refused with its path instead of being dropped. Dates become their ISO text, as toJSON does, unless
   * the script replaced their toJSON or toISOString.
   * @param {unknown} root @param {boolean} strict @param {number} maxBytes @param {string} what
   * @param {{ nodes: number, bytes: number, objects: number }} [count] shared by the walks of one stringify (its
   * replacer's values)
   */
  const copyValue = (root, strict, maxBytes, what, count = { nodes: 0, bytes: 0, objects: 0 }) => {
    const holder = create(null);
    /** @type {Entry[]} */
    const stack = [[root, 0, null, '']];
    /** @type {object[]} */
    const targets = [holder]; // parallel to stack: where each value's copy goes
    const onPath = new I.Set();
    // Past the budget: a result is an OUTPUT_LIMIT, other data a MEMORY_LIMIT; a console line just says so.
    /** @param {string} kind @param {number} n @returns {never} */
    const over = (kind, n) => {
      if (what === 'log') throw new TypeErr('too large to print');
      if (what === 'args') throw TOO_LARGE;
      if (what === 'result') b.fatal('OUTPUT_LIMIT');
      return b.tooBig(kind, n);
    };
    while (stack.length > 0) {
      const entry = /** @type {Entry} */ (stack[stack.length - 1]);
      const target = /** @type {Record<string | number, unknown>} */ (targets[targets.length - 1]);
      stack.length--;
      targets.length--;
      const v = entry[0];
      if (v === EXIT) {
        apply(I.setDelete, onPath, [entry[1]]);
        continue;
      }
      if (++count.nodes > cfg.maxJsonNodes) over('json-nodes', count.nodes);
      const k = entry[3];
      const t = typeof v;
      if (t === 'string') {
        count.bytes += /** @type {string} */ (v).length + 2;
        target[k] = v;
      } else if (v === null || v === undefined || t === 'number' || t === 'boolean') {
        count.bytes += 5;
        target[k] = v;
      } else if (t === 'object') {
        const o = /** @type {Record<string, unknown>} */ (v);
        const depth = entry[1];
        if (depth >= cfg.maxJsonDepth) throw new TypeErr(`The value nests deeper than ${cfg.maxJsonDepth} levels at ${pathOf(entry)}. Flatten it.`);
        if (apply(I.setHas, onPath, [o])) throw new TypeErr(`The value contains a cycle at ${pathOf(entry)}. Remove the back reference.`);
        const toJSON = o.toJSON;
        if (isDate(o)) {
          if (toJSON !== I.dateToJSON || o.toISOString !== I.dateToISOString)
            throw new TypeErr(`The date at ${pathOf(entry)} has its own toJSON or toISOString. Convert it to a string first.`);
          const time = apply(I.dateGetTime, o, []);
          target[k] = I.isNaN(time) ? null : apply(I.dateToISOString, o, []); // an invalid date is null, as toJSON says
          count.bytes += 26;
          continue;
        }
        if (typeof toJSON === 'function') throw new TypeErr(`The value at ${pathOf(entry)} has its own toJSON function. Convert it to plain data first.`);
        if (strict && (o instanceof I.Map || o instanceof I.Set))
          throw new TypeErr(
            `The value at ${pathOf(entry)} is ${describe(o)}; only JSON data (objects, arrays, strings, numbers, booleans, null) can leave the script.`,
          );
        apply(I.setAdd, onPath, [o]);
        stack[stack.length] = /** @type {Entry} */ (/** @type {unknown} */ ([EXIT, o, null, '']));
        targets[targets.length] = holder;
        // The count is checked before the parts are pushed: a sparse array of length 2^32-1 is refused at once.
        if (isArray(o)) {
          const n = o.length;
          if (count.nodes + n > cfg.maxJsonNodes) over('json-nodes', count.nodes + n);
          const out = new I.ArrayC(n);
          target[k] = out;
          count.bytes += n + 2;
          for (let i = n - 1; i >= 0; i--) {
            stack[stack.length] = [o[i], depth + 1, entry, i];
            targets[targets.length] = out;
          }
        } else {
          const ks = keys(o);
          count.objects++;
          if (count.nodes + ks.length > cfg.maxJsonNodes) over('json-nodes', count.nodes + ks.length);
          const out = create(null); // a "__proto__" key stays an own data key
          target[k] = out;
          count.bytes += 2;
          for (let i = ks.length - 1; i >= 0; i--) {
            const key = ks[i];
            count.bytes += key.length + 4;
            stack[stack.length] = [o[key], depth + 1, entry, key];
            targets[targets.length] = out;
          }
        }
      } else if (strict) {
        throw new TypeErr(
          `The value at ${pathOf(entry)} is ${describe(v)}; only JSON data (objects, arrays, strings, numbers, booleans, null) can leave the script.`,
        );
      } else if (t === 'bigint') {
        throw new TypeErr(`The value at ${pathOf(entry)} is a BigInt, which JSON cannot hold. Convert it with String() first.`);
      } else {
        count.bytes += 5;
        target[k] = undefined; // functions and symbols: dropped from objects, null in arrays, as JSON.stringify does
      }
      if (count.bytes > maxBytes) over(what, count.bytes);
    }
    return holder[''];
  };

  /**
   * JSON text of a value, through the copy walk; JSON.stringify's replacer and space work as usual.
   * @param {unknown} value @param {boolean} strict @param {number} maxBytes @param {string} what
   * @param {unknown} [replacer] @param {unknown} [space]
   */
  const text = (value, strict, maxBytes, what, replacer, space) => {
    const count = { nodes: 0, bytes: 0, objects: 0 };
    let copy;
    try {
      copy = copyValue(value, strict, maxBytes, what, count);
    } catch (e) {
      if (e === TOO_LARGE) return undefined;
      throw e;
    }
    /** @type {unknown} */
    let r;
    if (typeof replacer === 'function') {
      const fn = b.counted(/** @type {Sandbox.Fn} */ (replacer));
      // What the replacer returns is data the walk has not seen: copied (and counted) before stringify walks it.
      r = /** @this {unknown} */ function replace(/** @type {string} */ key, /** @type {unknown} */ val) {
        const out = apply(fn, this, [key, val]);
        return out !== null && typeof out === 'object' ? copyValue(out, false, maxBytes, what, count) : out;
      };
    } else if (isArray(replacer)) {
      // QuickJS removes duplicates from a key list by comparing every pair, in one native call: 20,000 names took
      // 2.6 s, 200,000 minutes. No object a script handles needs more than a thousand of them named.
      if (replacer.length > MAX_REPLACER_KEYS)
        throw new TypeErr(`JSON.stringify takes at most ${MAX_REPLACER_KEYS} property names. Pick the fields with a loop instead.`);
      if (replacer.length * count.objects > MAX_REPLACER_LOOKUPS)
        throw new TypeErr(
          `JSON.stringify with ${replacer.length} property names over ${count.objects} objects is too much work for one call. Pick the fields with a loop first: rows.map((r) => ({ id: r.id })).`,
        );
      r = replacer;
    }
    if (space !== undefined && space !== null && typeof space !== 'number' && typeof space !== 'string') space = undefined;
    const out = jsonStringify(copy, r, space);
    copy = undefined;
    return out === undefined ? out : b.size(out);
  };

  /** @param {unknown} items @param {unknown} fn @param {unknown} options */
  const parallel = async (items, fn, options) => {
    b.alive();
    if (!isArray(items)) throw new TypeErr('parallel(items, fn, { concurrency }): items must be an array.');
    if (typeof fn !== 'function') throw new TypeErr('parallel(items, fn, { concurrency }): fn must be an arrow function, e.g. item => callTool(...).');
    b.checkLength(items.length);
    const asked = options !== null && typeof options === 'object' ? /** @type {{ concurrency?: unknown }} */ (options).concurrency : undefined;
    const limit = typeof asked === 'number' && asked >= 1 ? Math.min(Math.floor(asked), cfg.maxConcurrency) : cfg.maxConcurrency;
    const results = new I.ArrayC(items.length);
    const each = b.counted(/** @type {Sandbox.Fn} */ (fn)); // one iteration per item, also for a built-in (parallel(xs, Math.abs))
    let next = 0;
    let failed = false;
    const lane = async () => {
      for (;;) {
        const i = next++;
        if (failed || i >= items.length) return;
        try {
          results[i] = await each(items[i], i);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    /** @type {Promise<void>[]} */
    const lanes = [];
    for (let w = 0; w < Math.min(limit, items.length); w++) lanes[lanes.length] = lane();
    await apply(I.promiseAll, I.Promise, [lanes]);
    return results;
  };

  /** console.log's arguments as one line, at most the log budget long. @param {unknown[]} args */
  const format = (args) => {
    let out = '';
    for (let i = 0; i < args.length && out.length <= cfg.maxLogBytes; i++) {
      const a = args[i];
      let s;
      if (typeof a === 'string') s = a;
      else if (a instanceof Err) s = `${a.name}: ${a.message}`;
      else {
        try {
          s = I.String(text(a, false, cfg.maxLogBytes, 'log'));
        } catch (e) {
          b.caught(e);
          s = `[unprintable: ${e instanceof Err ? e.message : 'not JSON'}]`;
        }
      }
      out += (i > 0 ? ' ' : '') + s;
    }
    return out;
  };

  /** @param {string} s */
  const cut = (s) => (s.length > cfg.maxMessageLength ? `${apply(I.stringSlice, s, [0, cfg.maxMessageLength])}…` : s);
  /** The script's uncaught exception, for the host. @param {unknown} e */
  const failed = (e) => {
    const isError = e instanceof Err;
    const tool = isError ? apply(I.weakMapGet, toolErrors, [e]) : undefined;
    let message;
    try {
      message = isError ? I.String(/** @type {Error} */ (e).message) : `Uncaught ${format([e])}`;
    } catch {
      message = 'Uncaught exception';
    }
    const err = /** @type {Error} */ (e);
    const info = {
      name: cut(isError ? I.String(err.name) : 'Error'),
      message: cut(message),
      stack: isError ? cut(I.String(err.stack)) : '',
      code: tool?.code,
      tool: tool?.tool,
    };
    host.fail(jsonStringify(info), st.iterations, st.toolCalls);
  };
  /** @param {unknown} v */
  const result = (v) => {
    let json;
    try {
      json = /** @type {string} */ (text(v, true, cfg.maxResultBytes, 'result'));
    } catch (e) {
      if (!st.dead) failed(e);
      return;
    }
    host.done(json, st.iterations, st.toolCalls);
  };
  /** @type {Sandbox.Ext} */
  const ext = { copy: copyValue, text, parallel, format, failed, result };
  return I.freeze(ext);
});

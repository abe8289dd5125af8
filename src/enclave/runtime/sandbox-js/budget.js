// @ts-check
// Step 2: the run's counters and the one way a limit ends it. A limit is fatal: fatal() tells the host, which
// then interrupts the engine (uncatchably) at its next poll; until then every guard throws again, so neither a
// catch block nor a finally block can carry on.

(function budget(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Host} */ host) {
  'use strict';
  const { apply, jsonStringify, now } = I;
  const Err = I.Error;
  const InternalErr = I.InternalError;
  /** @type {Sandbox.Config} */
  const cfg = /** @type {any} */ (I.create(null)); // filled by configure() when a run starts
  /** @type {Sandbox.State} */
  const st = { iterations: 0, toolCalls: 0, logCalls: 0, logChars: 0, logClosed: false, dead: false, polled: 0, credit: false };

  /** @type {(code: string, detail?: unknown) => never} */
  const fatal = (code, detail) => {
    st.dead = true;
    // Out of memory, even this error may not be made: the host hears the code regardless, without a position.
    /** @type {Error | null} */
    let e = null;
    let text = 'null';
    try {
      e = new Err(code); // its stack names the script's line that hit the limit
      text = jsonStringify(detail === undefined ? null : detail);
    } catch {}
    host.fatal(code, text, e === null ? '' : I.String(e.stack), st.iterations, st.toolCalls);
    throw e;
  };
  const alive = () => {
    if (st.dead) fatal('CANCELLED');
  };
  // One loop iteration or one call of a script function. QuickJS polls its interrupt handler only every ~10,000
  // function calls, and never inside a native loop, so each iteration looks at the clock itself and every 10 ms
  // asks the host whether the run was stopped.
  // The clock, without counting: what long loops of the prelude itself call (a search it does instead of a native one).
  const tick = () => {
    if (cfg.deadline === undefined) return; // the prelude itself, before a run is bound: nothing to look at yet
    const t = now();
    if (t - st.polled >= 10) {
      st.polled = t;
      if (st.dead) alive();
      // Past the deadline the run was bound with, ask the host for the current one: a pause (a person answering an
      // approval) moves it later. Rarely asked, so the host call costs nothing in ordinary runs.
      if (t > cfg.deadline && t > (cfg.deadline = host.deadline())) fatal('TIMEOUT');
      if (host.poll()) fatal('CANCELLED');
    }
  };
  const iter = () => {
    if (st.credit) {
      st.credit = false; // a counted callback wrapper already charged this call (see counted)
      return;
    }
    if (st.dead) alive();
    if (++st.iterations > cfg.maxIterations) fatal('MAX_ITERATIONS');
    tick();
  };
  /**
   * A callback a built-in calls once per element (map, sort, replace, forEach of Map and Set, iterator helpers):
   * each call costs one iteration, whether the callback is a script arrow or a built-in (arr.map(Math.abs)).
   * A script arrow charges itself on entry, so the wrapper leaves it a credit instead of charging twice.
   * @template {Sandbox.Fn} F
   * @param {F} fn
   * @returns {F}
   */
  const counted = (fn) =>
    /** @type {F} */ (
      /** @this {unknown} */
      function countedCallback(/** @type {unknown[]} */ ...a) {
        iter();
        st.credit = true;
        try {
          return apply(fn, this, a);
        } finally {
          st.credit = false;
        }
      }
    );
  /** @type {(what: string, n: number) => never} */
  const tooBig = (what, n) => fatal('MEMORY_LIMIT', { what, n });
  /** @type {(n: number) => void} */
  const strLimit = (n) => {
    if (n > cfg.maxStringLength) tooBig('string', n);
  };
  /** @type {<T>(v: T) => T} */
  const size = (v) => {
    if (typeof v === 'string' && v.length > cfg.maxStringLength) tooBig('string', v.length);
    return v;
  };
  /** @type {(n: number) => void} */
  const checkLength = (n) => {
    if (n > cfg.maxArrayLength) tooBig('array', n);
  };
  // What typeof says of every value a script can make. QuickJS out of memory inside some built-ins (normalize of a
  // string that grows 18-fold) throws its internal "uninitialized" value instead, for which typeof says neither.
  const TYPES = new I.Set(['undefined', 'object', 'boolean', 'number', 'bigint', 'string', 'symbol', 'function']);
  /** @type {(e: unknown) => boolean} */
  const outOfMemory = (e) => {
    // QuickJS throws null when it cannot even allocate its own error object: only then is memory at its cap.
    if (e === null) return host.memoryFull();
    if (!apply(I.setHas, TYPES, [typeof e])) return true;
    if (InternalErr === undefined || !(e instanceof InternalErr)) return false;
    const m = e.message;
    return m === 'out of memory' || m === 'string too long';
  };
  // The first statement of every catch block the transform writes (and of the catch it adds before a lone
  // finally): a limit or the engine running out of memory is not the script's to handle.
  /** @type {(e: unknown) => void} */
  const caught = (e) => {
    if (st.dead) alive();
    if (outOfMemory(e)) fatal('MEMORY_LIMIT', { what: 'heap' });
  };
  /** @type {Sandbox.Budget} */
  const budget = { st, cfg, fatal, alive, iter, tick, counted, tooBig, size, strLimit, checkLength, caught };
  return I.freeze(budget);
});

// @ts-check
// Step 6: the guards the transform writes into every script (see transform.ts GUARD), and the restricted
// stand-ins for the built-ins a script may name whose full versions are escape hatches: the Array global, the
// Object namespace, and promise handlers (where a caught limit would otherwise go on).

// blockedKeys: property names that lead to constructors, prototypes or accessor definition
(function makeGuards(
  /** @type {Sandbox.Intrinsics} */ I,
  /** @type {Sandbox.Budget} */ b,
  /** @type {{ lengthOf(o: unknown): number }} */ natives,
  /** @type {((re: RegExp) => void) | null} */ checkRegex,
  /** @type {string[]} */ blockedKeys,
) {
  'use strict';
  const { apply, defineProperty, keys, setHas } = I;
  const ArrC = I.ArrayC;
  const BLOCKED = new I.Set(blockedKeys);

  /** @param {string | symbol} k */
  const blocked = (k) => {
    if (apply(setHas, BLOCKED, [k])) b.fatal('VALIDATION_ERROR', { rule: 'blocked-property', key: k });
  };
  // obj[k] for a k computed at run time. Coerced once, so an object key cannot answer one string to the check
  // and another to the access.
  /** @param {unknown} k */
  const key = (k) => {
    if (typeof k === 'number') return k;
    const s = typeof k === 'string' || typeof k === 'symbol' ? k : I.String(k);
    blocked(s);
    return s;
  };

  /** @param {unknown[]} a */
  const newArray = (...a) => {
    if (a.length === 1) {
      if (typeof a[0] === 'number') b.checkLength(a[0]);
      return new ArrC(/** @type {number} */ (a[0]));
    }
    return apply(I.arrayOf, ArrC, a);
  };
  // The script's Array: called or constructed through any alias, it checks lengths itself. It does not expose
  // Array.prototype; `x instanceof Array` asks Array.isArray instead.
  /** @param {unknown[]} a */
  const ArrayG = function Array(...a) {
    return newArray(...a);
  };
  ArrayG.prototype = /** @type {any} */ (undefined);
  defineProperty(ArrayG, I.hasInstanceSymbol, { value: I.isArray });
  defineProperty(ArrayG, 'isArray', { value: I.isArray });
  defineProperty(ArrayG, 'from', {
    value: /** @param {unknown} src @param {unknown} [fn] */ (src, fn) => {
      if (src !== null && typeof src === 'object' && !I.isArray(src)) b.checkLength(natives.lengthOf(src));
      return apply(I.arrayFrom, ArrC, typeof fn === 'function' ? [src, b.counted(/** @type {Sandbox.Fn} */ (fn))] : [src]);
    },
  });
  defineProperty(ArrayG, 'of', { value: /** @param {unknown[]} a */ (...a) => apply(I.arrayOf, ArrC, a) });

  // `new X(…)` is written `new (__ag_n(X))(…)`: only the real allowed constructors may be called with `new`,
  // whatever name or alias the script used for them ([Promise].map((Map) => new Map(…)) is refused).
  const CONSTRUCTIBLE = new I.Set([ArrayG, I.Error, I.Date, I.Map, I.Set]);
  /** @param {unknown} C */
  const ctor = (C) => (apply(setHas, CONSTRUCTIBLE, [C]) ? C : b.fatal('VALIDATION_ERROR', { rule: 'no-new' }));

  // A regular-expression literal is written `__ag_r(/…/)`: its pattern is checked where the script has it,
  // and it cannot get an own `exec` that would bypass the checking RegExp.prototype.exec.
  /** @param {RegExp} re */
  const regex = (re) => {
    if (checkRegex === null) return b.fatal('VALIDATION_ERROR', { rule: 'no-regex' });
    checkRegex(re);
    return I.preventExtensions(re);
  };

  // Object.assign writes keys chosen at run time with [[Set]]: an own "__proto__" key of a source (from
  // JSON.parse or fromEntries) would re-prototype the target, "constructor" on a promise would steer species
  // lookups. So both refuse the key guard's names, as `o[k] = v` does.
  /** @param {object} target @param {unknown[]} sources */
  const assign = (target, ...sources) => {
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i];
      if (src !== null && src !== undefined) {
        const ks = keys(/** @type {object} */ (src));
        for (let j = 0; j < ks.length; j++) blocked(ks[j]);
      }
    }
    return apply(I.assign, null, [target, ...sources]);
  };
  /** @param {Iterable<readonly [PropertyKey, unknown]>} entries */
  const fromEntries = (entries) => {
    const o = I.fromEntries(entries);
    const ks = keys(o);
    for (let j = 0; j < ks.length; j++) blocked(ks[j]);
    return o;
  };

  // A rejection handler is a catch block too: a limit or out-of-memory error reaching it ends the run. And what a
  // fulfilment handler throws becomes a rejection nobody may look at (`p.then(f);` alone): checked where it is thrown.
  const PP = I.Promise.prototype;
  defineProperty(PP, 'then', {
    value: /** @this {Promise<unknown>} */ function then(/** @type {unknown} */ ok, /** @type {unknown} */ bad) {
      const onOk =
        typeof ok === 'function'
          ? (/** @type {unknown} */ v) => {
              try {
                return /** @type {Sandbox.Fn} */ (ok)(v);
              } catch (e) {
                b.caught(e);
                throw e;
              }
            }
          : ok;
      const onBad =
        typeof bad === 'function'
          ? (/** @type {unknown} */ e) => {
              b.caught(e);
              return /** @type {Sandbox.Fn} */ (bad)(e);
            }
          : bad;
      return apply(I.then, this, [onOk, onBad]);
    },
    writable: true,
    configurable: true,
  });
  defineProperty(I.Promise, 'allSettled', {
    value: /** @param {unknown} ps */ (ps) =>
      apply(I.then, apply(I.promiseAllSettled, I.Promise, [ps]), [
        (/** @type {{ status: string, reason?: unknown }[]} */ rs) => {
          for (let i = 0; i < rs.length; i++) if (rs[i].status === 'rejected') b.caught(rs[i].reason);
          return rs;
        },
      ]),
    writable: true,
    configurable: true,
  });

  return { key, ctor, regex, ArrayG, assign, fromEntries };
});

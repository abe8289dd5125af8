// @ts-check
// Step 1 of every sandbox: the built-ins the guards rely on, captured before any script runs. A guard calls
// these, never a method looked up later: a script could shadow a method on an object it owns, and the later
// steps replace or remove many of these on the global object itself.

// G: the context's global object.
(function captureIntrinsics(/** @type {Record<string, any>} */ G) {
  'use strict';
  const O = G.Object;
  const R = G.Reflect;
  const P = G.Promise;
  const D = G.Date.prototype;
  const M = G.Map.prototype;
  const S = G.Set.prototype;
  /** @type {Sandbox.Intrinsics} */
  const I = {
    G,
    apply: R.apply,
    freeze: O.freeze,
    defineProperty: O.defineProperty,
    deleteProperty: R.deleteProperty,
    getOwnPropertyDescriptor: O.getOwnPropertyDescriptor,
    ownKeys: R.ownKeys,
    getPrototypeOf: O.getPrototypeOf,
    setPrototypeOf: O.setPrototypeOf,
    preventExtensions: O.preventExtensions,
    create: O.create,
    keys: O.keys,
    values: O.values,
    entries: O.entries,
    assign: O.assign,
    fromEntries: O.fromEntries,
    hasOwn: O.hasOwn,
    isArray: G.Array.isArray,
    ArrayC: G.Array,
    arrayFrom: G.Array.from,
    arrayOf: G.Array.of,
    String: G.String,
    Error: G.Error,
    TypeError: G.TypeError,
    InternalError: G.InternalError, // QuickJS's class for "out of memory", "interrupted", "stack overflow"
    Map: G.Map,
    Set: G.Set,
    WeakMap: G.WeakMap,
    Date: G.Date,
    Promise: P,
    RegExp: G.RegExp, // absent at STRICT: that context is made without a regular-expression engine
    iteratorSymbol: G.Symbol.iterator,
    hasInstanceSymbol: G.Symbol.hasInstance,
    matchSymbol: G.Symbol.match,
    replaceSymbol: G.Symbol.replace,
    splitSymbol: G.Symbol.split,
    Int32Array: G.Int32Array,
    jsonParse: G.JSON.parse,
    jsonStringify: G.JSON.stringify,
    now: G.Date.now,
    isNaN: G.Number.isNaN,
    // biome-ignore lint/suspicious/noThenProperty: the captured Promise.prototype.then, not a thenable
    then: P.prototype.then,
    promiseAll: P.all,
    promiseAllSettled: P.allSettled,
    dateGetTime: D.getTime,
    dateToISOString: D.toISOString,
    dateToJSON: D.toJSON,
    mapGet: M.get,
    mapSet: M.set,
    mapHas: M.has,
    setAdd: S.add,
    setHas: S.has,
    setDelete: S.delete,
    weakMapGet: G.WeakMap.prototype.get,
    weakMapSet: G.WeakMap.prototype.set,
    stringSlice: G.String.prototype.slice,
    stringIndexOf: G.String.prototype.indexOf,
    stringReplaceAll: G.String.prototype.replaceAll,
  };
  return O.freeze(I);
});

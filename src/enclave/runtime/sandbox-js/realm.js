// @ts-check
// Step 9, last: the script's world. After this, a bare name resolves to a listed global or to nothing (the
// global object has no prototype, so `constructor`, `__proto__` or `hasOwnProperty` are not found on it), and
// no value leads to a constructor a script could not name anyway: built-in prototypes lose their `constructor`
// property, so neither `(() => 1).constructor` nor the prototype of an async function or generator reaches
// Function, and `({}).constructor` does not reach the reflective Object either. AgentScript never allows `.constructor`
// (the validator and the key guard refuse it); this holds even where both were talked around.

// keep: the built-in globals a script may name (DESIGN §3), kept as they are
// install: the prelude's own globals (restricted namespaces, callTool, guards)
(function lockdown(
  /** @type {Sandbox.Intrinsics} */ I,
  /** @type {string[]} */ keep,
  /** @type {Record<string, string[]>} */ members,
  /** @type {Record<string, unknown>} */ install,
) {
  'use strict';
  const { G, apply, ownKeys, getPrototypeOf, deleteProperty, defineProperty, freeze } = I;

  /** @type {Set<object>} */
  const prototypes = new I.Set();
  /** @param {unknown} p */
  const add = (p) => {
    if (p !== null && (typeof p === 'object' || typeof p === 'function')) apply(I.setAdd, prototypes, [p]);
  };
  for (const name of ownKeys(G)) {
    const v = G[/** @type {string} */ (name)];
    if (typeof v === 'function') add(v.prototype);
  }
  // Prototypes only syntax or built-in behaviour create instances of: functions of each kind, their generator
  // objects, and the iterators of arrays, maps, sets, strings, regular expressions and iterator helpers.
  // (These bodies never run: the function objects are the point.)
  // biome-ignore lint/complexity/useArrowFunction: an ordinary function is one of the kinds whose prototype is cleaned
  const fnKinds = [function () {}, async () => {}, function* () {}, async function* () {}];
  for (const f of fnKinds) {
    const fp = getPrototypeOf(f);
    add(fp);
    add(/** @type {any} */ (fp).prototype); // %GeneratorPrototype%, %AsyncGeneratorPrototype%
  }
  const asyncGenProto = /** @type {any} */ (getPrototypeOf(async function* () {})).prototype;
  add(getPrototypeOf(asyncGenProto)); // %AsyncIteratorPrototype%
  const arrayIterator = apply(I.ArrayC.prototype.values, [], []);
  add(getPrototypeOf(arrayIterator));
  add(getPrototypeOf(getPrototypeOf(arrayIterator))); // %IteratorPrototype%
  add(getPrototypeOf(new I.Map().values()));
  add(getPrototypeOf(new I.Set().values()));
  add(getPrototypeOf(/** @type {any} */ ('')[I.iteratorSymbol]()));
  const iteratorHelpers = /** @type {any} */ (arrayIterator);
  if (typeof iteratorHelpers.map === 'function') add(getPrototypeOf(iteratorHelpers.map((/** @type {unknown} */ x) => x)));
  if (typeof G.Iterator === 'function' && typeof G.Iterator.from === 'function') {
    add(getPrototypeOf(G.Iterator.from({ next: () => ({ done: true, value: undefined }) })));
  }
  // No regular-expression literal in this file: at STRICT the context has no engine to compile one.
  if (I.RegExp !== undefined) add(getPrototypeOf(apply(/** @type {any} */ (I.RegExp.prototype)[G.Symbol.matchAll], new I.RegExp('x', 'g'), [''])));
  if (typeof G.Uint8Array === 'function') add(getPrototypeOf(G.Uint8Array.prototype)); // %TypedArray%.prototype
  // A prototype may keep a constructor that is itself a listed global (Promise.prototype.constructor is the
  // Promise a script can name anyway; Promise.prototype.finally needs it); every other one goes.
  const listed = new I.Set();
  for (const name of keep) if (!I.hasOwn(install, name)) apply(I.setAdd, listed, [G[name]]);
  for (const p of prototypes) {
    const d = I.getOwnPropertyDescriptor(p, 'constructor');
    if (d !== undefined && !('value' in d && apply(I.setHas, listed, [d.value]))) deleteProperty(p, 'constructor');
  }
  // The legacy accessors: __proto__ re-prototypes an object, __defineGetter__ & co. define code-running properties.
  const OP = /** @type {object} */ (getPrototypeOf({}));
  for (const name of ['__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']) deleteProperty(OP, name);

  // The global object: only listed names, no prototype. (undefined, NaN and Infinity cannot be deleted: listed.)
  const kept = new I.Set(keep);
  for (const name of ownKeys(G)) {
    if (!apply(I.setHas, kept, [name]) || I.hasOwn(install, name)) deleteProperty(G, name);
  }
  I.setPrototypeOf(G, null);
  // The listed globals keep only the members a script may use: Promise.try, Map.groupBy or Set.groupBy would
  // otherwise call back natively, uncounted, on an alias the validator cannot see through.
  const always = new I.Set(['length', 'name', 'prototype']);
  for (const name of ownKeys(members)) {
    const v = G[/** @type {string} */ (name)];
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || I.hasOwn(install, name)) continue;
    const allowed = new I.Set(members[/** @type {string} */ (name)]);
    // Symbol-keyed members stay: only Symbol.species is there, and Promise.prototype.finally needs Promise's.
    for (const key of ownKeys(v)) {
      if (typeof key === 'string' && !apply(I.setHas, allowed, [key]) && !apply(I.setHas, always, [key])) deleteProperty(v, key);
    }
  }
  // Namespaces a script can name are frozen: `const M = Math; M.max = f` or Object.assign(Promise, …) would
  // otherwise change what the rest of the script (and this prelude) calls. Prototypes stay unfrozen (frozen,
  // `e.name = …` on an Error would throw: the override mistake); a script cannot reach them.
  for (const name of keep) {
    const v = G[name];
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) freeze(v);
  }
  for (const name of ownKeys(install)) {
    defineProperty(G, name, { value: install[/** @type {string} */ (name)], writable: false, enumerable: false, configurable: false });
  }
});

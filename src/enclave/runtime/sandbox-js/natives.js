// @ts-check
// Step 3: the built-ins that loop, grow or call back, guarded where they are defined. QuickJS polls its
// interrupt handler only between calls: a native loop over `[].includes.call({ length: 1e15 }, 1)`, a join
// over `length = 2**32 - 1` or a default sort never polls, and only the watchdog could stop it. So every
// Array.prototype method checks the length it is about to walk first, callbacks a built-in calls are counted
// as iterations (arr.map(Math.abs) too), and string-building methods check their result size.

(function guardNatives(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b) {
  'use strict';
  const { apply, defineProperty, getOwnPropertyDescriptor, getPrototypeOf, ownKeys, mapGet } = I;
  const TypeErr = I.TypeError;

  /**
   * Replaces proto[name] (a function) by wrap(original), keeping the built-in's attributes.
   * @param {object} proto @param {string | symbol} name @param {(original: Sandbox.Fn) => Sandbox.Fn} wrap
   */
  const method = (proto, name, wrap) => {
    const d = getOwnPropertyDescriptor(proto, name);
    if (d === undefined || typeof d.value !== 'function') return;
    defineProperty(proto, name, { value: wrap(d.value), writable: true, enumerable: false, configurable: true });
  };

  /**
   * The length a built-in will walk. For an array-like it must be a number (or numeric string) held in a data
   * property and is read exactly once here: a getter or an object with valueOf could answer this check one
   * number and the native loop another.
   * @param {unknown} o
   */
  const lengthOf = (o) => {
    if (I.isArray(o)) return o.length;
    if (typeof o === 'string') return o.length;
    if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return 0; // the built-in throws or sees 0
    for (let p = /** @type {object | null} */ (o); p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, 'length');
      if (d === undefined) continue;
      if (!('value' in d)) throw new TypeErr('This array-like has a length getter. Convert it to an array first.');
      const n = typeof d.value === 'number' ? d.value : typeof d.value === 'string' ? +d.value : NaN;
      if (I.isNaN(n) && d.value !== undefined) throw new TypeErr('An array-like length must be a number.');
      return n;
    }
    return 0;
  };

  // Index of the callback argument of each built-in that calls back once per element.
  const ARRAY_CALLBACK = new I.Map([
    ['every', 0],
    ['filter', 0],
    ['find', 0],
    ['findIndex', 0],
    ['findLast', 0],
    ['findLastIndex', 0],
    ['flatMap', 0],
    ['forEach', 0],
    ['map', 0],
    ['reduce', 0],
    ['reduceRight', 0],
    ['some', 0],
    ['sort', 0],
    ['toSorted', 0],
  ]);
  const AP = I.ArrayC.prototype;
  // The iterator prototype, found before Array.prototype.values is wrapped.
  const IteratorProto = /** @type {object} */ (getPrototypeOf(getPrototypeOf(apply(AP.values, [], []))));
  for (const name of ownKeys(AP)) {
    if (name === 'constructor') continue;
    const at = typeof name === 'string' ? apply(mapGet, ARRAY_CALLBACK, [name]) : undefined;
    method(
      AP,
      name,
      (original) =>
        /** @this {unknown} */
        function guardedArrayMethod(/** @type {unknown[]} */ ...a) {
          b.checkLength(lengthOf(this));
          if (at !== undefined && typeof a[at] === 'function') a[at] = b.counted(/** @type {Sandbox.Fn} */ (a[at]));
          return b.size(apply(original, this, a));
        },
    );
  }

  // Iterator helpers ([].values().map(f), .drop(n)…): their callbacks are counted; drop/take stop with the
  // iterator under them, whose length the wrapped values()/keys()/entries() already checked.
  /** The built-in with its first argument, when a function, counted per call. @param {Sandbox.Fn} original */
  const countingFirst = (original) =>
    /** @this {unknown} */
    function countedCallbackMethod(/** @type {unknown[]} */ ...a) {
      if (typeof a[0] === 'function') a[0] = b.counted(/** @type {Sandbox.Fn} */ (a[0]));
      return apply(original, this, a);
    };
  for (const name of ['every', 'filter', 'find', 'flatMap', 'forEach', 'map', 'reduce', 'some']) method(IteratorProto, name, countingFirst);
  for (const proto of [I.Map.prototype, I.Set.prototype]) method(proto, 'forEach', countingFirst);

  // Strings that grow: checked before the native call (so nothing is built) and after it.
  const SP = I.String.prototype;
  /** @param {string} name @param {(s: string, a: unknown[]) => void} check */
  const growing = (name, check) =>
    method(
      SP,
      name,
      (original) =>
        /** @this {unknown} */
        function guardedStringMethod(/** @type {unknown[]} */ ...a) {
          check(I.String(this), a);
          return b.size(apply(original, this, a));
        },
    );
  growing('repeat', (s, a) => {
    if (typeof a[0] === 'number') b.strLimit(s.length * a[0]);
  });
  growing('padStart', (_s, a) => {
    if (typeof a[0] === 'number') b.strLimit(a[0]);
  });
  growing('padEnd', (_s, a) => {
    if (typeof a[0] === 'number') b.strLimit(a[0]);
  });
  growing('concat', (s, a) => {
    let n = s.length;
    for (let i = 0; i < a.length; i++) n += typeof a[i] === 'string' ? /** @type {string} */ (a[i]).length : 0;
    b.strLimit(n);
  });
  // replace/replaceAll: an empty string pattern matches between every character; a function replacer is a callback.
  /** @param {boolean} all */
  const replacing = (all) =>
    /** @type {(s: string, a: unknown[]) => void} */ (
      (s, a) => {
        if (typeof a[1] === 'function') a[1] = b.counted(/** @type {Sandbox.Fn} */ (a[1]));
        else if (typeof a[0] === 'string' && typeof a[1] === 'string') {
          const hits = !all ? 1 : a[0] === '' ? s.length + 1 : Math.floor(s.length / a[0].length);
          b.strLimit(s.length + hits * a[1].length);
        }
      }
    );
  growing('replace', replacing(false));
  growing('replaceAll', replacing(true));

  return { lengthOf };
});

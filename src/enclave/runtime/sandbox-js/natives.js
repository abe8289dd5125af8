// @ts-check
// Step 3: arrays, iterators, Map and Set, guarded where they are defined. QuickJS polls its interrupt handler
// only between calls: a native loop over `[].includes.call({ length: 1e15 }, 1)`, a join over `length = 2**32 - 1`
// or a default sort of long strings never polls, and only the watchdog could stop it. So every Array.prototype
// method checks the length it is about to walk first (and the lengths of arrays it will spread or flatten), work
// that grows with the size of each element (a search for a long string, a default sort) runs here when it is
// large, and callbacks a built-in calls are counted as iterations (arr.map(Math.abs) too).

(function guardNatives(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b) {
  'use strict';
  const { apply, defineProperty, getOwnPropertyDescriptor, getPrototypeOf, ownKeys, mapGet, mapSet } = I;
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
    ['forEach', 0],
    ['map', 0],
    ['reduce', 0],
    ['reduceRight', 0],
    ['some', 0],
    ['sort', 0],
    ['toSorted', 0],
  ]);
  const max = () => b.cfg.maxArrayLength;
  /** Comparisons one native call may make: beyond, the work runs here, looking at the clock (as strings.js does). */
  const WORK = 1e7;

  /**
   * flat(depth) walks every array it meets down to depth, holes included, and a shared-reference tree of empty
   * arrays makes that 2^depth visits with nothing allocated. The walk is counted here first, within the array budget.
   * Each array is counted once per depth and remembered: a DAG of 60 arrays shared 2^60 ways costs 60 steps here,
   * not the visits it stands for. Iterative (depth-first with explicit stacks), so a 90k-deep nesting is no recursion.
   * @param {unknown} root @param {number} depth
   */
  const flatVisits = (root, depth) => {
    // Visits of (array, depth), remembered for the depth an array was last walked at: in a DAG an array is met at one depth per path length, so one depth per array suffices in practice,
    // and a miss only costs a walk the budget still bounds. Two flat maps: no map allocated per array.
    /** @type {Map<unknown, number>} */
    const depthOf = new I.Map();
    /** @type {Map<unknown, number>} */
    const countOf = new I.Map();
    /** @param {unknown} a @param {number} d @returns {number | undefined} */
    const known = (a, d) => (apply(mapGet, depthOf, [a]) === d ? apply(mapGet, countOf, [a]) : undefined);
    /** @param {unknown} a @param {number} d @param {number} v */
    const remember = (a, d, v) => {
      apply(mapSet, depthOf, [a, d]);
      apply(mapSet, countOf, [a, v]);
    };
    /** @param {number} v */
    const bounded = (v) => {
      if (v > max()) b.tooBig('array', v);
      return v;
    };
    // Stacks side by side: no tuple per entry, and no destructuring through the guarded array iterator.
    /** @type {unknown[]} */
    const arrays = [root];
    /** @type {number[]} */
    const depths = [depth];
    /** @type {number[]} */
    const next = [0];
    /** @type {number[]} */
    const sums = [bounded(lengthOf(root))];
    if (depth === Infinity) remember(root, depth, -1);
    while (arrays.length > 0) {
      const top = arrays.length - 1;
      const a = /** @type {Record<number, unknown>} */ (arrays[top]);
      const d = /** @type {number} */ (depths[top]);
      const n = d < 1 ? 0 : lengthOf(a); // below depth 0 nothing is entered
      let i = /** @type {number} */ (next[top]);
      let entered = false;
      for (; i < n; i++) {
        if ((i & 1023) === 0) b.tick();
        const x = a[i];
        if (!I.isArray(x)) continue;
        if (d < 2) {
          // Flattened but not entered (the common flat() of depth 1): its visits are its length, nothing to remember.
          sums[top] = bounded(/** @type {number} */ (sums[top]) + lengthOf(x));
          continue;
        }
        const v = known(x, d - 1);
        // At depth Infinity, an array whose walk is in progress holds itself: flat would never end.
        if (v === -1) b.tooBig('array', max() + 1);
        if (v !== undefined) {
          sums[top] = bounded(/** @type {number} */ (sums[top]) + v);
          continue;
        }
        next[top] = i + 1;
        arrays[arrays.length] = x;
        depths[depths.length] = d - 1;
        next[next.length] = 0;
        sums[sums.length] = bounded(lengthOf(x));
        // Only at Infinity can a cycle repeat a depth; at finite depths each re-entry goes one deeper and the budget
        // ends it, so the marker's cost is paid only where it is needed.
        if (d === Infinity) remember(x, d, -1);
        entered = true;
        break;
      }
      if (entered) continue;
      const v = /** @type {number} */ (sums[top]);
      remember(a, d, v);
      arrays.length--;
      depths.length--;
      next.length--;
      sums.length--;
      if (top > 0) sums[top - 1] = bounded(/** @type {number} */ (sums[top - 1]) + v);
    }
    return undefined;
  };

  /**
   * indexOf / includes / lastIndexOf looking for a long string: each element equal in length is compared character
   * by character, so 2,000 elements of 1 MB cost two billion comparisons in one native call. Then the loop runs
   * here. Returns undefined when the native call is cheap enough.
   * @param {string} name @param {unknown} o @param {unknown[]} a
   */
  const searchHere = (name, o, a) => {
    const v = a[0];
    const n = lengthOf(o);
    if (typeof v !== 'string' || v.length < 256 || n * v.length <= WORK) return undefined;
    /** ToIntegerOrInfinity: undefined and NaN are 0. @param {unknown} x */
    const at = (x) => {
      const k = +(/** @type {number} */ (x));
      return I.isNaN(k) ? 0 : Math.trunc(k);
    };
    const items = /** @type {Record<number, unknown>} */ (o);
    if (name === 'lastIndexOf') {
      const k = a.length > 1 ? at(a[1]) : n - 1; // a position given, even undefined, counts (as 0)
      for (let i = k < 0 ? n + k : Math.min(k, n - 1); i >= 0; i--) {
        b.tick(); // each comparison may cost a million characters
        if (items[i] === v) return i;
      }
      return -1;
    }
    const k = at(a[1]);
    for (let i = k < 0 ? Math.max(n + k, 0) : k; i < n; i++) {
      b.tick();
      if (items[i] === v) return name === 'includes' ? true : i;
    }
    return name === 'includes' ? false : -1;
  };

  /**
   * The default sort compares the elements' strings: n·log n comparisons of up to the longest string each, in one
   * native call. When that could pass WORK, the same order comes from a comparator that looks at the clock.
   * @param {unknown} o
   */
  const sortHere = (o) => {
    const n = lengthOf(o);
    if (n < 2) return undefined;
    const items = /** @type {Record<number, unknown>} */ (o);
    let longest = 0;
    for (let i = 0; i < n; i++) {
      const x = items[i];
      if (typeof x === 'string' && x.length > longest) longest = x.length;
      if ((i & 1023) === 0) b.tick();
    }
    if (n * Math.log2(n) * Math.max(longest, 16) <= WORK) return undefined;
    return (/** @type {unknown} */ x, /** @type {unknown} */ y) => {
      b.tick();
      const p = I.String(x);
      const q = I.String(y);
      return p < q ? -1 : p > q ? 1 : 0;
    };
  };

  /**
   * What each method needs besides the check of its receiver's length, before the native call. It may rewrite the
   * arguments, or answer itself (a value other than undefined).
   * @type {Map<string, (o: unknown, a: unknown[]) => unknown>}
   */
  const BEFORE = new I.Map([
    [
      // Arrays given as arguments are spread into the result: their lengths count too.
      'concat',
      (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => {
        let n = lengthOf(o);
        for (let i = 0; i < a.length; i++) n += I.isArray(a[i]) ? lengthOf(a[i]) : 1;
        b.checkLength(n);
        return undefined;
      },
    ],
    [
      'flat',
      (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => {
        const d = a[0] === undefined ? 1 : +(/** @type {number} */ (a[0]));
        a[0] = I.isNaN(d) || d < 0 ? 0 : d; // read once, as ToIntegerOrInfinity would (NaN and negatives flatten nothing)
        return flatVisits(o, /** @type {number} */ (a[0]));
      },
    ],
    [
      // Each array the callback returns is spread into the result: their lengths add up within the budget.
      'flatMap',
      (/** @type {unknown} */ _o, /** @type {unknown[]} */ a) => {
        if (typeof a[0] !== 'function') return undefined;
        const fn = b.counted(/** @type {Sandbox.Fn} */ (a[0]));
        let total = 0;
        a[0] = /** @this {unknown} */ function flatMapped(/** @type {unknown[]} */ ...x) {
          const r = apply(fn, this, x);
          if (I.isArray(r)) b.checkLength((total += lengthOf(r)));
          return r;
        };
        return undefined;
      },
    ],
    ['indexOf', (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => searchHere('indexOf', o, a)],
    ['includes', (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => searchHere('includes', o, a)],
    ['lastIndexOf', (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => searchHere('lastIndexOf', o, a)],
    [
      'sort',
      (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => {
        if (a[0] === undefined) a[0] = sortHere(o);
        return undefined;
      },
    ],
    [
      'toSorted',
      (/** @type {unknown} */ o, /** @type {unknown[]} */ a) => {
        if (a[0] === undefined) a[0] = sortHere(o);
        return undefined;
      },
    ],
  ]);

  const AP = I.ArrayC.prototype;
  // The iterator prototype, found before Array.prototype.values is wrapped.
  const IteratorProto = /** @type {object} */ (getPrototypeOf(getPrototypeOf(apply(AP.values, [], []))));
  for (const name of ownKeys(AP)) {
    if (name === 'constructor') continue;
    const at = typeof name === 'string' ? apply(mapGet, ARRAY_CALLBACK, [name]) : undefined;
    const before = typeof name === 'string' ? apply(mapGet, BEFORE, [name]) : undefined;
    method(
      AP,
      name,
      (original) =>
        /** @this {unknown} */
        function guardedArrayMethod(/** @type {unknown[]} */ ...a) {
          b.tick(); // a native loop may call this thousands of times (an array key's toString is its join)
          b.checkLength(lengthOf(this));
          if (at !== undefined && typeof a[at] === 'function') a[at] = b.counted(/** @type {Sandbox.Fn} */ (a[at]));
          if (before !== undefined) {
            const answer = before(this, a);
            if (answer !== undefined) return answer;
          }
          return b.size(apply(original, this, a));
        },
    );
  }

  /** The built-in with its first argument, when a function, counted per call. @param {Sandbox.Fn} original */
  const countingFirst = (original) =>
    /** @this {unknown} */
    function countedCallbackMethod(/** @type {unknown[]} */ ...a) {
      if (typeof a[0] === 'function') a[0] = b.counted(/** @type {Sandbox.Fn} */ (a[0]));
      return apply(original, this, a);
    };
  for (const name of ['every', 'filter', 'find', 'flatMap', 'forEach', 'map', 'reduce', 'some']) method(IteratorProto, name, countingFirst);
  for (const proto of [I.Map.prototype, I.Set.prototype]) method(proto, 'forEach', countingFirst);

  return { lengthOf };
});

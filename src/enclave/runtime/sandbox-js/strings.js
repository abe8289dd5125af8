// @ts-check
// Step 4: strings. Methods that build are checked before they build (the result could pass the memory budget).
// Methods that search never run a long native search: QuickJS compares naively, up to haystack × needle
// characters in one native call that polls nothing ('a'.repeat(8e6).indexOf('a'.repeat(255) + 'b') is two billion
// comparisons, seconds past any deadline). Past WORK comparisons, the search runs on windows of the text (each
// native call WORK comparisons at most) or, for a long needle, here in linear time (Knuth–Morris–Pratt), looking
// at the clock as it goes. Results are the same; only who does the searching changes. Every wrapper looks at
// the clock on entry too: a native loop (sort, Object.fromEntries) may call one thousands of times through an
// object's toString, and QuickJS polls its interrupt handler only every ~10,000 calls.
(function guardStrings(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b) {
  'use strict';
  const { apply, defineProperty, getOwnPropertyDescriptor } = I;
  const Str = I.String;
  const SP = Str.prototype;
  /** Character comparisons one native search may make at most. */
  const WORK = 1e7;
  /** Up to this needle length, the native search runs on windows of the text; beyond, the search runs here. */
  const WINDOWED = 16384;
  /** The first window: a hit is usually near, and a split with many hits must not copy much per hit. */
  const FIRST_SPAN = 64;

  /** @param {string} name @param {(original: Sandbox.Fn) => Sandbox.Fn} wrap */
  const method = (name, wrap) => {
    const d = getOwnPropertyDescriptor(SP, name);
    if (d === undefined || typeof d.value !== 'function') return;
    defineProperty(SP, name, { value: wrap(d.value), writable: true, enumerable: false, configurable: true });
  };

  const nativeIndexOf = SP.indexOf;
  const nativeLastIndexOf = SP.lastIndexOf;

  /**
   * The native search on windows of the text: each window at most WORK / needle start positions (so at most
   * WORK comparisons), the first one small and each miss doubling it, so that a search costs about the distance
   * to its hit. Looks at the clock before each window.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const windowed = (h, n, from, backwards) => {
    const m = n.length;
    const most = Math.max(1, Math.floor(WORK / m));
    let span = Math.min(most, FIRST_SPAN);
    if (!backwards) {
      for (let s = from; s <= h.length - m; s += span, span = Math.min(most, span * 2)) {
        b.tick();
        const k = apply(nativeIndexOf, apply(I.stringSlice, h, [s, s + span + m - 1]), [n]);
        if (k >= 0) return s + k;
      }
      return -1;
    }
    for (let e = Math.min(from, h.length - m); e >= 0; e -= span, span = Math.min(most, span * 2)) {
      b.tick();
      const s = Math.max(0, e - span + 1);
      const k = apply(nativeLastIndexOf, apply(I.stringSlice, h, [s, e + m]), [n]);
      if (k >= 0) return s + k;
    }
    return -1;
  };

  /**
   * A long needle: Knuth–Morris–Pratt, linear in text and needle whatever they hold (no hash to make collide).
   * Backwards, the reversed needle is matched against the text read right to left.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const linear = (h, n, from, backwards) => {
    const m = n.length;
    const last = h.length - m;
    const start = backwards ? Math.min(from, last) : Math.max(from, 0);
    if (backwards ? start < 0 : start > last) return -1;
    /** The needle's i-th character, in the direction of the search. @param {number} i */
    const at = backwards ? (/** @type {number} */ i) => n.charCodeAt(m - 1 - i) : (/** @type {number} */ i) => n.charCodeAt(i);
    // fail[i]: the length of the longest proper prefix of the needle's first i + 1 characters that is also a suffix.
    const fail = new I.Int32Array(m);
    for (let i = 1, k = 0; i < m; i++) {
      const c = at(i);
      while (k > 0 && c !== at(k)) k = fail[k - 1];
      if (c === at(k)) k++;
      fail[i] = k;
      if ((i & 8191) === 0) b.tick();
    }
    const step = backwards ? -1 : 1;
    const end = backwards ? -1 : h.length;
    for (let j = backwards ? start + m - 1 : start, k = 0; j !== end; j += step) {
      const c = h.charCodeAt(j);
      while (k > 0 && c !== at(k)) k = fail[k - 1];
      if (c === at(k)) k++;
      if (k === m) return backwards ? j : j - m + 1;
      if ((j & 8191) === 0) b.tick();
    }
    return -1;
  };

  /**
   * The first index ≥ from (or, backwards, the last ≤ from) where `n` occurs in `h`, or -1.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const find = (h, n, from, backwards) => (n.length <= WINDOWED ? windowed : linear)(h, n, from, backwards);

  /**
   * What the built-in searches for, read once: undefined when the built-in hands the argument to its own matcher
   * (a RegExp, or anything with a `symbol` method) or, for split, when there is no separator; otherwise the
   * argument as a string (a template literal converts exactly as the built-in does, and throws for a Symbol),
   * stored back so that the built-in does not convert it again.
   * @param {unknown[]} a @param {symbol} symbol @param {boolean} [absent] undefined means no separator (split)
   */
  const needle = (a, symbol, absent = false) => {
    const v = a[0];
    if (typeof v === 'string') return v;
    if (v === undefined && absent) return undefined;
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
      const own = /** @type {Record<symbol, unknown>} */ (v)[symbol];
      if (own !== undefined && own !== null) return undefined;
    }
    a[0] = `${v}`;
    return /** @type {string} */ (a[0]);
  };
  /** Would the native search compare more than WORK characters? @param {string} h @param {string | undefined} n */
  const heavy = (h, n) => n !== undefined && n.length > 1 && (h.length - n.length + 1) * n.length > WORK;
  /** ToIntegerOrInfinity of a position, read once. @param {unknown} v @param {number} fallback */
  const position = (v, fallback) => {
    if (v === undefined) return fallback;
    const x = +(/** @type {number} */ (v));
    return I.isNaN(x) ? 0 : Math.trunc(x);
  };

  /** @param {string} name @param {(h: string, n: string, a: unknown[]) => unknown} searchHere */
  const searching = (name, searchHere) =>
    method(
      name,
      (original) =>
        /** @this {unknown} */ function search(/** @type {unknown[]} */ ...a) {
          if (this === null || this === undefined) return apply(original, this, a); // the built-in's own TypeError
          b.tick();
          const h = Str(this);
          const n = needle(a, I.matchSymbol);
          return heavy(h, n) ? searchHere(h, /** @type {string} */ (n), a) : apply(original, h, a);
        },
    );
  searching('indexOf', (h, n, a) => find(h, n, Math.min(Math.max(position(a[1], 0), 0), h.length), false));
  searching('includes', (h, n, a) => find(h, n, Math.min(Math.max(position(a[1], 0), 0), h.length), false) >= 0);
  searching('lastIndexOf', (h, n, a) => {
    const x = a[1] === undefined ? Infinity : +(/** @type {number} */ (a[1]));
    const from = I.isNaN(x) ? Infinity : Math.trunc(x);
    return find(h, n, Math.min(Math.max(from, 0), h.length), true);
  });

  /**
   * The replacement of one match, as String.prototype.replace makes it from a string pattern: $$, $&, $` and $'.
   * @param {string} h @param {string} matched @param {number} at @param {unknown} rep
   */
  const substitute = (h, matched, at, rep) => {
    if (typeof rep === 'function') return Str(rep(matched, at, h));
    const r = Str(rep);
    if (r.indexOf('$') < 0) return r;
    let out = '';
    for (let i = 0; i < r.length; i++) {
      const c = r[i];
      const next = r[i + 1];
      const piece =
        c !== '$'
          ? null
          : next === '$'
            ? '$'
            : next === '&'
              ? matched
              : next === '`'
                ? apply(I.stringSlice, h, [0, at])
                : next === "'"
                  ? apply(I.stringSlice, h, [at + matched.length])
                  : null;
      if (piece === null) out += c;
      else {
        out += piece;
        i++;
      }
      b.size(out);
    }
    return out;
  };

  // replace/replaceAll: an empty string pattern matches between every character; a function replacer is a callback.
  /** @param {string} name @param {boolean} all */
  const replacing = (name, all) =>
    method(
      name,
      (original) =>
        /** @this {unknown} */ function replace(/** @type {unknown[]} */ ...a) {
          if (this === null || this === undefined) return apply(original, this, a);
          b.tick();
          const h = Str(this);
          const n = needle(a, I.replaceSymbol);
          if (typeof a[1] === 'function') a[1] = b.counted(/** @type {Sandbox.Fn} */ (a[1]));
          else if (n !== undefined) {
            if (typeof a[1] !== 'string') a[1] = `${a[1]}`;
            const hits = !all ? 1 : n === '' ? h.length + 1 : Math.floor(h.length / n.length);
            b.strLimit(h.length + hits * /** @type {string} */ (a[1]).length);
          }
          if (!heavy(h, n)) return b.size(apply(original, h, a));
          const found = /** @type {string} */ (n);
          /** @type {string[]} */
          const parts = [];
          let from = 0;
          for (let at = find(h, found, 0, false); at >= 0; at = all ? find(h, found, at + found.length, false) : -1) {
            parts[parts.length] = apply(I.stringSlice, h, [from, at]);
            parts[parts.length] = substitute(h, found, at, a[1]);
            from = at + found.length;
          }
          parts[parts.length] = apply(I.stringSlice, h, [from]);
          return b.size(parts.join(''));
        },
    );
  replacing('replace', false);
  replacing('replaceAll', true);

  method(
    'split',
    (original) =>
      /** @this {unknown} */ function split(/** @type {unknown[]} */ ...a) {
        if (this === null || this === undefined) return apply(original, this, a);
        b.tick();
        const h = Str(this);
        const n = needle(a, I.splitSymbol, true);
        if (!heavy(h, n)) return apply(original, h, a);
        const sep = /** @type {string} */ (n);
        const limit = a[1] === undefined ? 4294967295 : +(/** @type {number} */ (a[1])) >>> 0;
        /** @type {string[]} */
        const out = [];
        let from = 0;
        for (let at = find(h, sep, 0, false); at >= 0 && out.length < limit; at = find(h, sep, at + sep.length, false)) {
          out[out.length] = apply(I.stringSlice, h, [from, at]);
          from = at + sep.length;
        }
        if (out.length < limit) out[out.length] = apply(I.stringSlice, h, [from]);
        return out;
      },
  );

  // Strings that grow: checked before the native call (so nothing is built) and after it.
  /** @param {string} name @param {(s: string, a: unknown[]) => void} check */
  const growing = (name, check) =>
    method(
      name,
      (original) =>
        /** @this {unknown} */ function guardedStringMethod(/** @type {unknown[]} */ ...a) {
          if (this === null || this === undefined) return apply(original, this, a);
          b.tick();
          const s = Str(this);
          check(s, a);
          return b.size(apply(original, s, a));
        },
    );
  // A count given as a numeric string ('1e8') is a number to the built-in: read it as one, once.
  /** @param {unknown[]} a */
  const count = (a) => (a[0] === undefined ? 0 : (a[0] = +(/** @type {number} */ (a[0]))));
  growing('repeat', (s, a) => b.strLimit(s.length * count(a)));
  growing('padStart', (_s, a) => b.strLimit(count(a)));
  growing('padEnd', (_s, a) => b.strLimit(count(a)));
  growing('concat', (s, a) => {
    let n = s.length;
    for (let i = 0; i < a.length; i++) n += typeof a[i] === 'string' ? /** @type {string} */ (a[i]).length : 0;
    b.strLimit(n);
  });
});

// @ts-check
// Step 4: strings. Methods that build are checked before they build (the result could pass the memory budget).
// Methods that search never run a long native search: QuickJS compares naively, up to haystack × needle
// characters in one native call that polls nothing ('a'.repeat(8e6).indexOf('a'.repeat(255) + 'b') is two billion
// comparisons, seconds past any deadline). Past WORK comparisons, the search runs here instead, in linear time (a
// rolling hash whose base is chosen at random per sandbox, each hit confirmed natively), looking at the clock as
// it goes. Results are the same; only who does the searching changes.
(function guardStrings(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b) {
  'use strict';
  const { apply, defineProperty, getOwnPropertyDescriptor } = I;
  const Str = I.String;
  const SP = Str.prototype;
  /** Character comparisons one native search may make at most. */
  const WORK = 1e7;
  /** A prime below 2^24: h * BASE + c stays an exact integer in a double. */
  const P = 16777213;
  const BASE = 256 + Math.floor(I.random() * (P - 512));

  /** @param {string} name @param {(original: Sandbox.Fn) => Sandbox.Fn} wrap */
  const method = (name, wrap) => {
    const d = getOwnPropertyDescriptor(SP, name);
    if (d === undefined || typeof d.value !== 'function') return;
    defineProperty(SP, name, { value: wrap(d.value), writable: true, enumerable: false, configurable: true });
  };

  const nativeIndexOf = SP.indexOf;
  const nativeLastIndexOf = SP.lastIndexOf;
  /** Up to this needle length, the native search runs on windows of the text; beyond, the rolling hash does. */
  const WINDOWED = 2048;

  /**
   * The native search, on windows of the text small enough that each call compares at most WORK characters,
   * looking at the clock between them: as fast as native for ordinary text, bounded by the deadline for hostile text.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const windowed = (h, n, from, backwards) => {
    const m = n.length;
    const w = Math.max(1, Math.floor(WORK / m)); // start positions per window
    if (!backwards) {
      for (let s = from; s <= h.length - m; s += w) {
        const k = apply(nativeIndexOf, apply(I.stringSlice, h, [s, s + w + m - 1]), [n]);
        if (k >= 0) return s + k;
        b.tick();
      }
      return -1;
    }
    for (let e = Math.min(from, h.length - m); e >= 0; e -= w) {
      const s = Math.max(0, e - w + 1);
      const k = apply(nativeLastIndexOf, apply(I.stringSlice, h, [s, e + m]), [n]);
      if (k >= 0) return s + k;
      b.tick();
    }
    return -1;
  };

  /**
   * A long needle: a rolling hash (linear in the text; its base is random per sandbox, so text cannot be made to
   * collide), each hit confirmed natively.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const rolling = (h, n, from, backwards) => {
    const m = n.length;
    const last = h.length - m;
    const start = backwards ? Math.min(from, last) : Math.max(from, 0);
    if (backwards ? start < 0 : start > last) return -1;
    let hn = 0;
    let hh = 0;
    let pow = 1; // BASE^(m-1)
    for (let i = 0; i < m; i++) {
      hn = (hn * BASE + n.charCodeAt(i)) % P;
      hh = (hh * BASE + h.charCodeAt(start + i)) % P;
      if (i > 0) pow = (pow * BASE) % P;
      if ((i & 8191) === 0) b.tick();
    }
    for (let i = start; ; ) {
      if (hh === hn && apply(I.stringStartsWith, h, [n, i])) return i;
      if (backwards ? i === 0 : i === last) return -1;
      // Roll the window one place: drop the character leaving it, take the one entering.
      if (backwards) {
        hh = (((hh - h.charCodeAt(i + m - 1) + P) % P) * inverse) % P;
        hh = (hh + h.charCodeAt(i - 1) * pow) % P;
        i--;
      } else {
        hh = (((hh - ((h.charCodeAt(i) * pow) % P) + P) % P) * BASE + h.charCodeAt(i + m)) % P;
        i++;
      }
      if ((i & 8191) === 0) b.tick();
    }
  };
  // Backwards, the window loses its last character: multiply by BASE's inverse modulo P (Fermat: BASE^(P-2)).
  let inverse = 1;
  for (let e = P - 2, x = BASE; e > 0; e = Math.floor(e / 2), x = (x * x) % P) if (e % 2 === 1) inverse = (inverse * x) % P;

  /**
   * The first index ≥ from (or, backwards, the last ≤ from) where `n` occurs in `h`, or -1.
   * @param {string} h @param {string} n @param {number} from @param {boolean} backwards
   */
  const find = (h, n, from, backwards) => (n.length <= WINDOWED ? windowed : rolling)(h, n, from, backwards);

  /** Would the native search compare more than WORK characters? @param {string} h @param {unknown} n */
  const heavy = (h, n) => typeof n === 'string' && n.length > 1 && (h.length - n.length + 1) * n.length > WORK;
  /** ToIntegerOrInfinity of a position, read once. @param {unknown} v @param {number} fallback */
  const position = (v, fallback) => {
    if (v === undefined) return fallback;
    const x = +(/** @type {number} */ (v));
    return I.isNaN(x) ? 0 : Math.trunc(x);
  };

  method(
    'indexOf',
    (original) =>
      /** @this {unknown} */ function indexOf(/** @type {unknown[]} */ ...a) {
        if (this === null || this === undefined) return apply(original, this, a); // the built-in's own TypeError
        const h = Str(this);
        if (!heavy(h, a[0])) return apply(original, h, a);
        return find(h, /** @type {string} */ (a[0]), Math.min(Math.max(position(a[1], 0), 0), h.length), false);
      },
  );
  method(
    'includes',
    (original) =>
      /** @this {unknown} */ function includes(/** @type {unknown[]} */ ...a) {
        if (this === null || this === undefined) return apply(original, this, a);
        const h = Str(this);
        if (!heavy(h, a[0])) return apply(original, h, a);
        return find(h, /** @type {string} */ (a[0]), Math.min(Math.max(position(a[1], 0), 0), h.length), false) >= 0;
      },
  );
  method(
    'lastIndexOf',
    (original) =>
      /** @this {unknown} */ function lastIndexOf(/** @type {unknown[]} */ ...a) {
        if (this === null || this === undefined) return apply(original, this, a);
        const h = Str(this);
        if (!heavy(h, a[0])) return apply(original, h, a);
        const x = a[1] === undefined ? Infinity : +(/** @type {number} */ (a[1]));
        const from = I.isNaN(x) ? Infinity : Math.trunc(x);
        return find(h, /** @type {string} */ (a[0]), Math.min(Math.max(from, 0), h.length), true);
      },
  );

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
          const h = Str(this);
          if (typeof a[1] === 'function') a[1] = b.counted(/** @type {Sandbox.Fn} */ (a[1]));
          else if (typeof a[0] === 'string' && typeof a[1] === 'string') {
            const hits = !all ? 1 : a[0] === '' ? h.length + 1 : Math.floor(h.length / a[0].length);
            b.strLimit(h.length + hits * a[1].length);
          }
          if (!heavy(h, a[0])) return b.size(apply(original, h, a));
          const n = /** @type {string} */ (a[0]);
          /** @type {string[]} */
          const parts = [];
          let from = 0;
          for (let at = find(h, n, 0, false); at >= 0; at = all ? find(h, n, at + n.length, false) : -1) {
            parts[parts.length] = apply(I.stringSlice, h, [from, at]);
            parts[parts.length] = substitute(h, n, at, a[1]);
            from = at + n.length;
            b.tick();
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
        const h = Str(this);
        if (!heavy(h, a[0])) return apply(original, h, a);
        const n = /** @type {string} */ (a[0]);
        const limit = a[1] === undefined ? 4294967295 : +(/** @type {number} */ (a[1])) >>> 0;
        /** @type {string[]} */
        const out = [];
        let from = 0;
        for (let at = find(h, n, 0, false); at >= 0 && out.length < limit; at = find(h, n, at + n.length, false)) {
          out[out.length] = apply(I.stringSlice, h, [from, at]);
          from = at + n.length;
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

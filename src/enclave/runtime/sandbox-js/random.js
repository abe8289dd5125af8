// @ts-check
// Step 8: Math.random, seeded by each run. A sandbox serves one run after another, its memory put back as prepared
// between them (memory-image.ts), and the engine's own generator state with it: the engine's Math.random would give
// every run the same numbers. This one takes a fresh seed from the host's random source in configure().

// I: the captured intrinsics (step 1).
(function seededRandom(/** @type {Sandbox.Intrinsics} */ I) {
  'use strict';
  const imul = I.G.Math.imul;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 1;
  /** @param {number} x @param {number} k */
  const rotl = (x, k) => (x << k) | (x >>> (32 - k));
  /** xoshiro128**: 32 bits per step. */
  const next = () => {
    const out = imul(rotl(imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return out;
  };
  /** A double in [0, 1) from 53 random bits, as the engine's own. */
  const random = () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  I.defineProperty(I.G.Math, 'random', { value: random, writable: true, enumerable: false, configurable: true });
  /** Seeds the generator: four 32-bit words, not all zero. @param {number[]} seed */
  return (seed) => {
    a = seed[0] | 0;
    b = seed[1] | 0;
    c = seed[2] | 0;
    d = seed[3] | 0 || 1;
  };
});

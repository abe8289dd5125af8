// Technique: use, shadow or redefine the names the transform and the prelude inject (`__ag_*`), so that the
// guards the transform inserts call the script's own functions instead of the sandbox's.
import type { Attack, Expect } from './types.js';

const blocked: Expect = { codes: ['VALIDATION_ERROR'] };

export const reservedNames: Attack[] = [
  // Redefine the iteration guard as a no-op, then loop forever.
  { name: 'const __ag_i = no-op', level: 'STANDARD', code: `const __ag_i = () => 0;\nfor (;;) {}`, expect: blocked },
  // Shadow the key guard in a callback parameter, then use a run-time key.
  {
    name: '__ag_k as a callback parameter',
    level: 'STANDARD',
    code: `const id = (k) => k;\nreturn [id].map((__ag_k) => [][ 'constr' + 'uctor' ])`,
    expect: blocked,
  },
  // Shadow the key guard in a catch parameter.
  { name: '__ag_k as a catch parameter', code: `try { [1].forEach((f) => { throw f }) } catch (__ag_k) { return [][ 'constr' + 'uctor' ] }`, expect: blocked },
  // Shadow the size guard through destructuring.
  { name: '__ag_sz through destructuring', code: `const { x: __ag_sz } = { x: 1 };\nreturn 1`, expect: blocked },
  // Shadow the Array guard with a default parameter.
  { name: '__ag_arr as a default parameter', code: `return [1].map((x, __ag_arr = 1) => x)`, expect: blocked },
  // Call a guard directly.
  { name: 'call __ag_i directly', code: `__ag_i();\nreturn 1`, expect: blocked },
  // Re-run the run wrapper (a second result report).
  { name: 'call __ag_run directly', code: `__ag_run(async () => 'second');\nreturn 'first'`, expect: blocked },
  // Assign to a guard.
  { name: 'assign __ag_k', level: 'STANDARD', code: `const id = (k) => k;\n__ag_k = id;\nreturn 1`, expect: blocked },
  // Any name with the prefix, even one the sandbox does not define.
  { name: '__agX prefix', code: `const __agX = 1;\nreturn __agX`, expect: blocked },
  // The host bridge the prelude receives.
  { name: '__ag_host', code: `return typeof __ag_host`, expect: blocked },
  // The prefix spelled with escapes.
  { name: 'escaped reserved prefix', code: `${String.raw`const \u005F\u005Fag_k = 1;`}\nreturn 1`, expect: blocked },
  // A property with the prefix is just data (control).
  { name: 'control: property named __ag_i is data', code: `const o = { __ag_i: 1 };\nreturn o.__ag_i`, expect: { codes: ['VALIDATION_ERROR'], value: 1 } },
];

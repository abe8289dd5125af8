// @ts-check
// Step 5: regular expressions. At STRICT the context is made without a regular-expression engine, so no pattern
// reaches one by any path (literals fail to compile; match/matchAll/search end the run with a clear code). From
// SECURE up, every pattern, literal or built at run time ('abc'.match(['[0-9]+']) compiles an array's text),
// passes the host's ReDoS check (which understands flags) before it runs: every matching operation goes through
// RegExp.prototype.exec, which is replaced by a checking one that scripts cannot override.

// returns the check for a literal (null at STRICT)
(function guardRegex(/** @type {Sandbox.Intrinsics} */ I, /** @type {Sandbox.Budget} */ b, /** @type {Sandbox.Host} */ host) {
  'use strict';
  const { apply, defineProperty, getOwnPropertyDescriptor, mapGet, mapSet } = I;
  const SP = I.String.prototype;
  /** @param {string} name @param {Sandbox.Fn} value */
  const replace = (name, value) => defineProperty(SP, name, { value, writable: true, enumerable: false, configurable: true });
  /** @type {((re: RegExp) => void) | null} */
  let checkRegex = null;
  if (I.RegExp === undefined) {
    // STRICT: no engine, so these cannot compile a pattern; say why instead of "not a function".
    for (const name of ['match', 'matchAll', 'search']) {
      replace(name, () => b.fatal('VALIDATION_ERROR', { rule: 'no-regex' }));
    }
  } else {
    const RP = I.RegExp.prototype;
    const nativeExec = RP.exec;
    /** @param {string} name */
    const getter = (name) => {
      const d = getOwnPropertyDescriptor(RP, name);
      return d === undefined ? undefined : d.get;
    };
    const source = getter('source');
    // The flags from their own getters (internal slots), never from `flags`, which reads overridable properties.
    /** @type {[string, Sandbox.Fn][]} */
    const flagGetters = [];
    for (const [c, name] of [
      ['d', 'hasIndices'],
      ['g', 'global'],
      ['i', 'ignoreCase'],
      ['m', 'multiline'],
      ['s', 'dotAll'],
      ['u', 'unicode'],
      ['v', 'unicodeSets'],
      ['y', 'sticky'],
    ]) {
      const g = getter(/** @type {string} */ (name));
      if (g !== undefined) flagGetters[flagGetters.length] = [/** @type {string} */ (c), g];
    }
    const verdicts = new I.Map(); // "flags/source" → '' (safe) or the reason: each pattern is checked once
    checkRegex = (re) => {
      const pattern = /** @type {string} */ (apply(/** @type {Sandbox.Fn} */ (source), re, [])); // TypeError for a non-RegExp
      let flags = '';
      for (let i = 0; i < flagGetters.length; i++) if (apply(flagGetters[i][1], re, [])) flags += flagGetters[i][0];
      const key = `${flags}/${pattern}`;
      let risk = apply(mapGet, verdicts, [key]);
      // The host reads the pattern as a C string, cut at the first NUL: the check would see only what comes before
      // it ('x\0|^(a+)+$' would pass as 'x'). A pattern holding the character itself is refused; \0 spells it.
      if (risk === undefined && apply(I.stringIndexOf, pattern, ['\0']) >= 0) risk = 'the pattern holds a NUL character (write \\0 instead)';
      if (risk === undefined) {
        risk = host.regexRisk(pattern, flags);
        apply(mapSet, verdicts, [key, risk]);
      }
      if (risk !== '') b.fatal('VALIDATION_ERROR', { rule: 'unsafe-regex', reason: risk });
    };
    const check = checkRegex;
    // Every matching operation (test, match, matchAll, replace, split, search) runs through exec.
    defineProperty(RP, 'exec', {
      value: /** @this {RegExp} */ function exec(/** @type {unknown} */ s) {
        check(this);
        return apply(nativeExec, this, [s]);
      },
      writable: false,
      enumerable: false,
      configurable: false,
    });
    I.deleteProperty(RP, 'compile'); // recompiles an existing object with a new pattern
  }
  return checkRegex;
});

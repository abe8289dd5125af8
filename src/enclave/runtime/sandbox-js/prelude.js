// @ts-check
// The sandbox-side runtime, composed: evaluated in each fresh QuickJS context before the script, it captures
// the built-ins, installs the guards, builds the script's globals and locks the realm down, then returns
// configure(cfgText), which a run calls with its limits and deadline. It is trusted code (the validator does not
// apply to it); the steps are the files of this folder, each one function, called here in order.

// steps: this folder's files, evaluated (see ../sandbox-source.ts STEPS)
// constantsText: JSON: { blocked: string[], keep: string[], members: Record<string, string[]>, guard: Record<string, string> }
(function prelude(/** @type {Sandbox.Host} */ host, /** @type {Record<string, Sandbox.Fn>} */ steps, /** @type {string} */ constantsText) {
  'use strict';
  const constants = JSON.parse(constantsText); // the real JSON: nothing has been replaced yet
  const I = steps.intrinsics(globalThis);
  const b = steps.budget(I, host);
  const natives = steps.natives(I, b);
  steps.strings(I, b);
  const checkRegex = steps.regex(I, b, host);
  const g = steps.guards(I, b, natives, checkRegex, constants.blocked);
  const api = steps.api(I, b, host);
  const seedRandom = steps.random(I);
  /** A namespace with no prototype: nothing of it leads to Object.prototype. @param {Record<string, unknown>} members */
  const namespace = (members) => I.freeze(I.assign(I.create(null), members));
  /** One of the prelude's functions as a script sees it: no prototype, so no `.call`/`.bind` detours. @param {Sandbox.Fn} fn */
  const own = (fn) => I.freeze(I.setPrototypeOf(fn, null));
  const names = constants.guard;
  /** @type {Record<string, unknown>} */
  const install = {
    Object: namespace({ keys: I.keys, values: I.values, entries: I.entries, fromEntries: own(g.fromEntries), assign: own(g.assign) }),
    JSON: namespace({ parse: own(api.parse), stringify: own(api.stringify) }),
    Array: own(g.ArrayG),
    console: namespace({ log: own(api.console.log), info: own(api.console.info), warn: own(api.console.warn), error: own(api.console.error) }),
    callTool: own(api.callTool),
    parallel: own(api.parallel),
    [names.run]: api.run,
    [names.iter]: b.iter,
    [names.key]: g.key,
    [names.size]: b.size,
    [names.ctor]: g.ctor,
    [names.regex]: g.regex,
    [names.caught]: b.caught,
  };
  steps.realm(I, constants.keep, constants.members, install);
  // The rest of the runtime (ext.js) is compiled now, while the sandbox is prepared: a sandbox is put back to this
  // state after each run (memory-image.ts), so it is compiled once per sandbox instead of once per run that needs it.
  api.ext();
  return (/** @type {string} */ cfgText) => {
    I.assign(b.cfg, I.jsonParse(cfgText));
    seedRandom(b.cfg.seed);
    const extra = I.jsonParse(b.cfg.globals);
    const extraNames = I.keys(extra);
    for (let i = 0; i < extraNames.length; i++) {
      I.defineProperty(I.G, extraNames[i], { value: extra[extraNames[i]], writable: false, enumerable: false, configurable: false });
    }
    I.preventExtensions(I.G); // no global can appear after this, by any route
  };
});

// Attacks not yet stopped as they should be: real gaps of issue 2, listed in its note. Each runs with
// it.fails, so CI notices the day one is fixed (then remove it from this list). Do not add to it lightly.
export const KNOWN_GAPS: ReadonlySet<string> = new Set([
  // A script's own Error named InternalError with the message 'out of memory' (or 'string too long') is taken by
  // the host for the engine's: the run ends as MEMORY_LIMIT instead of RUNTIME_ERROR, and its engine instance is
  // thrown away rather than reused. It harms only the script itself.
  "error forged as the engine's out-of-memory",
]);

// The allow/deny policy over `server:tool` names (DESIGN §6): deny wins; nothing is allowed unless a pattern allows it.
import { ConfigError } from '../shared/index.js';

/**
 * A pattern is `server-glob:tool-glob`, split at its first ':' as a name is. Each half is matched against its own
 * half of the name, so a `*` never crosses from the server into the tool: `mem*:*` cannot match `memory-admin:x`
 * by accident of spelling, and `*` alone (which would allow every server) is not a pattern; write `*:*`.
 * In a glob `*` is any run of characters (none included) and `?` exactly one; every other character is literal,
 * regular-expression metacharacters too. There is no escape: server and tool names never contain `*` or `?`.
 */
export const PATTERN_RE = /^[A-Za-z0-9_*?-]+:.+$/;
export const PATTERN_HELP = 'a pattern is "server:tool", where * matches any run of characters and ? one character (e.g. "memory:*", "*:read_*")';

interface Pattern {
  server: string;
  tool: string;
}

/** `server:tool` split at the first ':'; a name without one names no tool. */
export function splitName(name: string): Pattern | undefined {
  const colon = name.indexOf(':');
  return colon < 0 ? undefined : { server: name.slice(0, colon), tool: name.slice(colon + 1) };
}

/**
 * Anchored glob match, without regular expressions: greedy with one backtrack point per `*`, so the cost is at most
 * |glob| × |text| whatever the pattern (a compiled `a*a*a*b` regex backtracks polynomially on hostile names).
 * Compares code points, so `?` is one character even outside the BMP.
 */
export function globMatch(glob: string, text: string): boolean {
  const g = Array.from(glob);
  const t = Array.from(text);
  let gi = 0;
  let ti = 0;
  let starG = -1;
  let starT = 0;
  while (ti < t.length) {
    if (gi < g.length && g[gi] !== '*' && (g[gi] === '?' || g[gi] === t[ti])) {
      gi++;
      ti++;
    } else if (gi < g.length && g[gi] === '*') {
      starG = gi++;
      starT = ti;
    } else if (starG >= 0) {
      gi = starG + 1; // let the last `*` swallow one more character and retry
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (g[gi] === '*') gi++;
  return gi === g.length;
}

function compile(patterns: readonly string[], field: string): Pattern[] {
  return patterns.map((pattern, i) => {
    const parts = PATTERN_RE.test(pattern) ? splitName(pattern) : undefined;
    if (!parts) throw new ConfigError(`"${pattern}" is not a tool pattern: ${PATTERN_HELP}.`, `${field}[${i}]`);
    return parts;
  });
}

const hits = (patterns: readonly Pattern[], name: string): boolean => {
  const parts = splitName(name);
  return parts !== undefined && patterns.some((p) => globMatch(p.server, parts.server) && globMatch(p.tool, parts.tool));
};

/** A list of tool patterns (a policy's `approve`, a label's key…), compiled once. `field` names it in errors. */
export class PatternSet {
  readonly #patterns: readonly Pattern[];
  constructor(patterns: readonly string[], field: string) {
    this.#patterns = compile(patterns, field);
  }
  matches(name: string): boolean {
    return hits(this.#patterns, name);
  }
}

/** The manifest's `allow` and `deny`, compiled once. */
export class Allowlist {
  readonly #allow: readonly Pattern[];
  readonly #deny: readonly Pattern[];

  /** Throws ConfigError on a malformed pattern. */
  constructor(allow: readonly string[], deny: readonly string[] = []) {
    this.#allow = compile(allow, 'allow');
    this.#deny = compile(deny, 'deny');
  }

  isAllowed(name: string): boolean {
    return hits(this.#allow, name) && !hits(this.#deny, name);
  }

  /** `suggest` over the names this policy allows, whatever else the caller passes in. */
  suggest(name: string, names: readonly string[], max = 3): string[] {
    return suggest(
      name,
      names.filter((n) => this.isAllowed(n)),
      max,
    );
  }
}

/** Levenshtein distance over UTF-16 units, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Names come from scripts; only this much of one is compared, so a 1 MB name costs no more than a long one. */
const MAX_COMPARED = 128;

/**
 * "Did you mean" for an unknown tool: the closest of `allowedNames` by edit distance (over the whole name or the tool
 * half, case-insensitively), or ones whose tool half contains the asked-for tool half or is contained in it.
 * Draws only from `allowedNames`, so it never reveals a tool the policy hides.
 */
export function suggest(name: string, allowedNames: readonly string[], max = 3): string[] {
  const asked = name.slice(0, MAX_COMPARED).toLowerCase();
  const askedTool = splitName(asked)?.tool ?? asked;
  const threshold = Math.max(2, Math.floor(askedTool.length / 3));
  const ranked: { name: string; distance: number }[] = [];
  for (const candidate of allowedNames) {
    const lower = candidate.toLowerCase();
    const tool = splitName(lower)?.tool ?? lower;
    const distance = Math.min(editDistance(asked, lower), editDistance(askedTool, tool));
    const contains = askedTool.length >= 3 && tool.length >= 3 && (tool.includes(askedTool) || askedTool.includes(tool));
    if (distance <= threshold || contains) ranked.push({ name: candidate, distance });
  }
  ranked.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ranked.slice(0, max).map((r) => r.name);
}

// Part of the pre-scan family: a cheap ReDoS check for regular-expression literals (SECURE and up).
// QuickJS's regex engine backtracks; its interrupt polling is the second line, this is the first.

const MAX_PATTERN_LENGTH = 256;

/** Returns a reason when the pattern risks catastrophic backtracking, or null when it looks safe. */
export function regexRisk(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  // Backreferences make matching NP-hard in general.
  if (/\\[1-9]|\\k</.test(pattern)) return 'it uses a backreference';
  interface Group { quantified: boolean; alternation: boolean }
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    const top = stack[stack.length - 1]!;
    if (c === '(') { stack.push({ quantified: false, alternation: false }); continue; }
    if (c === '|') { top.alternation = true; continue; }
    const unbounded = (j: number): boolean => pattern[j] === '*' || pattern[j] === '+' || (pattern[j] === '{' && /^\{\d*,\d*\}/.test(pattern.slice(j)) && !/^\{\d+,\d{1,2}\}/.test(pattern.slice(j)));
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : top;
      if (unbounded(i + 1)) {
        // (a+)+ or (a|ab)* : a repeated group whose body can match the same text in several ways.
        if (group.quantified) return 'a repeated group contains another repetition, as in (a+)+';
        if (group.alternation) return 'a repeated group contains alternatives, as in (a|ab)*';
      }
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= group.quantified || unbounded(i + 1);
      continue;
    }
    if (unbounded(i)) top.quantified = true;
  }
  return null;
}

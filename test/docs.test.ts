// The error pages say only what the code does: a page per code the code can emit and none for a code nothing
// emits; every rule a page names is a rule the code reports, and every rule the code reports is on its page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/enclave/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs/errors');
const page = (code: string): string => readFileSync(join(DOCS, `${code}.md`), 'utf8');

/** Every source file under src/ (TypeScript and the sandbox's own JavaScript). */
function sources(dir = join(ROOT, 'src')): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(e.name) ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

/**
 * The rule names the code reports, in the three shapes it reports them: `rule: 'x'`, `report(node, 'x', …)` and
 * `issueAt(code, index, 'x', …)`.
 */
function rulesIn(text: string): Set<string> {
  const found = new Set<string>();
  const shapes = [/\brule: '([a-z-]+)'/g, /\breport\(\s*[\w.]+,\s*'([a-z-]+)'/g, /\bissueAt\(\s*\w+,\s*\w+,\s*'([a-z-]+)'/g];
  for (const shape of shapes) for (const m of text.matchAll(shape)) found.add(m[1]!);
  return found;
}

/** The rules a page's table names: the backticked names in the first column. */
function rulesOnPage(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const line of markdown.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (first) for (const m of first.matchAll(/`([a-z]+(?:-[a-z]+)*)`/g)) found.add(m[1]!);
  }
  return found;
}

const src = sources();
const SCORING = src.filter((f) => /[\\/]score[^\\/]*\.ts$/.test(f.path));
const rulesOf = (files: typeof src): string[] => [...new Set(files.flatMap((f) => [...rulesIn(f.text)]))].sort();

describe('docs/errors', () => {
  it('has a page for every error code the code emits, and none for a code nothing emits', () => {
    const pages = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.slice(0, -3))
      .sort();
    // CONFIG_ERROR is the tool bridge's configuration error (a bad manifest), thrown at start-up, not a run's code.
    expect(pages).toEqual([...ERROR_CODES, 'CONFIG_ERROR'].sort());
    expect(src.some((f) => f.text.includes("code = 'CONFIG_ERROR'"))).toBe(true);
  });

  it('VALIDATION_ERROR names every rule the checks report, and only those', () => {
    const checks = rulesOf(src.filter((f) => !SCORING.includes(f)));
    expect(checks.length).toBeGreaterThan(30); // the patterns above still find the rules
    expect([...rulesOnPage(page('VALIDATION_ERROR'))].sort()).toEqual(checks);
  });

  it('SCORING_BLOCKED names every scoring rule', () => {
    const rules = rulesOf(SCORING);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    const text = page('SCORING_BLOCKED');
    for (const rule of rules) expect(text, rule).toContain(`\`${rule}\``);
  });

  it("POLICY_BLOCKED's table quotes messages the code writes", () => {
    const quoted = page('POLICY_BLOCKED')
      .split('\n')
      .flatMap((line) => {
        const message = line.startsWith('| ') ? /`([^`]+)`/.exec(line.split('|')[2] ?? '')?.[1] : undefined;
        return message ? [message] : [];
      });
    expect(quoted.length).toBe(7);
    const text = src.map((f) => f.text).join('\n');
    for (const message of quoted) {
      for (const fragment of message
        .split('…')
        .map((f) => f.trim())
        .filter(Boolean))
        expect(text, message).toContain(fragment);
    }
  });
});

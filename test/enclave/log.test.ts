// The library logger: one plain line per event on stderr, whatever the message or detail holds.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/enclave/log.js';

describe('log', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = (): string[] => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  };

  it('writes no terminal escape sequence from a message or a detail', () => {
    const lines = capture();
    log.warn('\u001b[2Jtool said \u001b[31mhi\r', { note: '\u001b]0;title\u0007x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(lines[0]).toContain('tool said hi');
  });
  it('does not throw on a detail that is not JSON (a BigInt, a cycle)', () => {
    const lines = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => log.warn('a', 10n)).not.toThrow();
    expect(() => log.warn('b', cyclic)).not.toThrow();
    expect(lines.join('')).toContain('[a detail that is not JSON]');
  });
});

// The shared logger: one plain line per event on stderr, whatever the message or detail holds.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/shared/log.js';

/** The lines written to stderr from now until the spy is restored. */
const capture = (): string[] => {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
};

describe('log', () => {
  afterEach(() => vi.restoreAllMocks());

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

describe('log formats (ENCLAVE_LOG_FORMAT, configureLog)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  /** A fresh copy of the module, reading the environment as stubbed now. */
  const fresh = async (env: Record<string, string | undefined>): Promise<typeof import('../../src/shared/log.js')> => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    return import('../../src/shared/log.js');
  };

  it('json: one object per line, fields beside time/level/msg (which a field cannot replace), no escape sequence', async () => {
    const { log, configureLog } = await fresh({ ENCLAVE_LOG: undefined, ENCLAVE_LOG_FORMAT: undefined });
    configureLog({ level: 'info', format: 'json' });
    const lines = capture();
    log.fields('info', 'execution \u001b[31mx', { requestId: 'r1', level: 'error', msg: 'forged', tool: 'a\u001b]0;t\u0007b', issues: ['x\u001b[2J'], n: 3 });
    log.warn('plain', { detail: 1 });
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toEqual({ time: expect.any(String), level: 'info', msg: 'execution x', requestId: 'r1', tool: 'ab', issues: ['x'], n: 3 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'warn', msg: 'plain', detail: '{"detail":1}' });
  });

  it('text stays the default, and the environment wins over a command’s defaults', async () => {
    const plain = await fresh({ ENCLAVE_LOG: undefined, ENCLAVE_LOG_FORMAT: undefined });
    let lines = capture();
    plain.log.info('hidden at the default level');
    plain.log.warn('shown', { a: 1 });
    expect(lines).toEqual(['[enclave-mcp] warn: shown {"a":1}\n']);
    vi.restoreAllMocks();

    const chosen = await fresh({ ENCLAVE_LOG: 'error', ENCLAVE_LOG_FORMAT: 'text' });
    chosen.configureLog({ level: 'debug', format: 'json' });
    lines = capture();
    chosen.log.fields('info', 'execution', { outcome: 'ok' });
    chosen.log.error('bad');
    expect(lines).toEqual(['[enclave-mcp] error: bad\n']);
    expect(chosen.logEnabled('debug')).toBe(false);
  });
});

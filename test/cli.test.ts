// The CLI as a user runs it: a real child process, script on stdin or in a file, JSON on stdout.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

describe('enclave-mcp run', () => {
  it('prints the result and exits 0 on success', () => {
    const r = cli(['run', '-'], 'const xs = [3, 1, 2];\nconsole.log("sorting");\nreturn xs.sort((a, b) => a - b);');
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ success: true, value: [1, 2, 3], logs: [{ level: 'log', message: 'sorting' }] });
  });

  it('exits 1 with the error code, line and column when the script fails', () => {
    const r = cli(['run', '-'], 'const a = 1;\nreturn eval("a");');
    expect(r.status).toBe(1);
    expect(r.json).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', line: 2, column: 8 } });
  });

  it('reads a file and honours --level', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enclave-cli-'));
    const file = join(dir, 'script.js');
    writeFileSync(file, "return /b+/.test('abbbc');");
    expect(cli(['run', file]).json).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(cli(['run', file, '--level', 'SECURE'])).toMatchObject({ status: 0, json: { success: true, value: true } });
  });

  it('exits 2 on usage errors, with a message on stderr and nothing on stdout', () => {
    for (const args of [['run'], ['run', '/no/such/file.js'], ['run', '-', '--level', 'LAX'], ['frobnicate', '-'], ['run', '-', '--bogus']]) {
      const r = cli(args, 'return 1');
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/enclave-mcp:/);
    }
  });
});

describe('enclave-mcp check', () => {
  it('exits 0 for a valid script and 1 with issues for an invalid one', () => {
    expect(cli(['check', '-'], 'return 1;')).toMatchObject({ status: 0, json: { valid: true, issues: [] } });
    const bad = cli(['check', '-'], 'let n = 0;\nwhile (true) { n++; }');
    expect(bad.status).toBe(1);
    expect(bad.json).toMatchObject({ valid: false, issues: [{ rule: 'no-while', line: 2, column: 1 }] });
  });
});

describe('options per command', () => {
  it('refuses options that do not apply to the command, naming them and what it takes (exit 2)', () => {
    const r = cli(['check', '-', '--manifest', '/nonexistent', '--transport', 'carrier-pigeon', '--port', 'abc'], 'return 1;');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--manifest, --transport, --port do not apply to check; it takes --level.');
    const run = cli(['run', '-', '--stateless'], 'return 1;');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--stateless does not apply to run');
    expect(cli(['tools', '--record']).status).toBe(2);
  });

  it('still takes each command’s own options', () => {
    expect(cli(['check', '-', '--level', 'SECURE'], 'return /a+/.test("aa");')).toMatchObject({ status: 0, json: { valid: true } });
    expect(cli(['run', '-', '--level', 'SECURE', '--record'], 'return 2;')).toMatchObject({ status: 0, json: { value: 2, recording: { calls: [] } } });
  });

  it('--version prints the version', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('check prints { valid, issues, score } as the README documents', () => {
    const ok = cli(['check', '-'], 'return 1;');
    expect(Object.keys(ok.json).sort()).toEqual(['issues', 'score', 'valid']);
    const bad = cli(['check', '-'], 'while (true) {}');
    expect(bad.status).toBe(1);
    // No `error` beside them; `score` only once the script got as far as scoring (a refused construct stops before).
    expect(Object.keys(bad.json).sort()).toEqual(['issues', 'valid']);
    expect(bad.json.issues[0]).toMatchObject({ rule: expect.any(String), line: 1 });
  });
});

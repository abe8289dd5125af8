// `run --record` and `run --replay` as a user runs them: a real CLI child, a real downstream server for the
// recording, and then replays that start no server at all (a manifest whose servers cannot start is fine).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';
import { EVERYTHING_SERVER, tempDir } from './tool-bridge/helpers.js';

const dir = tempDir('enclave-cli-replay');
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const MANIFEST = file(
  'manifest.json',
  JSON.stringify({
    servers: { everything: { command: process.execPath, args: [EVERYTHING_SERVER, 'stdio'] } },
    allow: ['everything:get-sum', 'everything:echo'],
  }),
);
const ORIGINAL =
  "const s = await callTool('everything:get-sum', { a: 20, b: 22 });\nconst e = await callTool('everything:echo', { message: 'hi' });\nreturn { s, e };";
const CHANGED =
  "const s = await callTool('everything:get-sum', { b: 22, a: 20 });\nconst e = await callTool('everything:echo', { message: 'hi' });\nreturn String(s).length + ':' + String(e).toUpperCase();";

describe('run --record, then run --replay', () => {
  const recorded = cli(['run', file('original.js', ORIGINAL), '--manifest', MANIFEST, '--record']);
  const whole = file('result.json', recorded.stdout);

  it('--record prints the result with its recording', () => {
    expect(recorded.status, recorded.stderr).toBe(0);
    expect(recorded.json.recording.calls.map((c: { tool: string }) => c.tool)).toEqual(['everything:get-sum', 'everything:echo']);
    expect(recorded.json.recording.calls[0].result).toEqual(recorded.json.value.s);
  });

  it('replays a changed script from the whole result or from its recording alone, with no server', () => {
    const want = `${String(recorded.json.value.s).length}:${String(recorded.json.value.e).toUpperCase()}`;
    const changed = file('changed.js', CHANGED);
    expect(cli(['run', changed, '--replay', whole])).toMatchObject({ status: 0, json: { success: true, value: want } });
    const only = file('recording.json', JSON.stringify(recorded.json.recording));
    expect(cli(['run', changed, '--replay', only])).toMatchObject({ status: 0, json: { success: true, value: want } });
  });

  it('takes the level and limits of --manifest but starts none of its servers', () => {
    const marker = join(dir, 'started');
    const dead = { command: process.execPath, args: ['-e', `require('fs').appendFileSync(${JSON.stringify(marker)}, 'x'); process.exit(3)`] };
    // A credential only the servers need is not set for a replay: no server starts, so it is not asked for.
    const needsSecret = { ...dead, env: { API_TOKEN: '${env:ENCLAVE_REPLAY_UNSET_TOKEN}' } };
    const broken = file('broken.json', JSON.stringify({ securityLevel: 'STRICT', limits: { maxToolCalls: 1 }, servers: { everything: needsSecret } }));
    const r = cli(['run', file('two.js', CHANGED), '--replay', whole, '--manifest', broken]);
    expect(existsSync(marker)).toBe(false);
    expect(r).toMatchObject({ status: 1, json: { success: false, error: { code: 'MAX_TOOL_CALLS' } } }); // the manifest's limit held
  });

  it('fails (exit 1) with NOT_RECORDED naming a call the recording does not hold', () => {
    const unknown = cli(['run', '-', '--replay', whole], "return await callTool('everything:add', { a: 1 });");
    expect(unknown.status).toBe(1);
    expect(unknown.json.error).toMatchObject({
      code: 'NOT_RECORDED',
      tool: 'everything:add',
      message: expect.stringContaining('everything:add is not in the recording'),
    });
    const otherArgs = cli(['run', '-', '--replay', whole], "return await callTool('everything:get-sum', { a: 1, b: 2 });");
    expect(otherArgs.status).toBe(1);
    expect(otherArgs.json.error.message).toContain('everything:get-sum was called with {"a":1,"b":2}, but the recording holds it only with {"a":20,"b":22}');
  });

  it('exits 2 with a clear message for a file that is not a recording, and for --record with --replay', () => {
    for (const [text, says] of [
      ['not json', 'is not JSON'],
      ['{"calls": [{"tool": 5, "args": {}}]}', 'calls[0].tool is not a string'],
      ['[]', '"calls" array'],
    ] as const) {
      const r = cli(['run', '-', '--replay', file('bad.json', text)], 'return 1;');
      expect(r.status, text).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(says);
    }
    expect(cli(['run', '-', '--replay', join(dir, 'missing.json')], 'return 1;').stderr).toContain('Cannot read the recording file');
    expect(cli(['run', '-', '--replay', whole, '--record'], 'return 1;')).toMatchObject({ status: 2 });
  });
});

describe('serve --allow-origin', () => {
  it('refuses what is not an origin before starting (exit 2)', () => {
    for (const bad of ['*', 'app.example', 'https://app.example/path']) {
      const r = cli(['serve', '--transport', 'http', '--port', '0', '--allow-origin', bad]);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toContain('--allow-origin must be an http(s) origin');
    }
  });
});

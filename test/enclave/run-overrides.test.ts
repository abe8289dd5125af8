// Per-run level and limits (RunOptions.securityLevel / .limits), which the MCP server uses for a principal's runs.
// The enclave narrows on its own (each layer holds alone): a run may be stricter than the enclave, never looser.
import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';

const enclave = new Enclave({ securityLevel: 'SECURE', toolHandler: async (_name, args) => args });
afterAll(() => enclave.dispose());

const REGEX = "return 'abc123'.match(/[0-9]+/)[0];";
const THREE_CALLS = "for (const i of [1, 2, 3]) await callTool('t:echo', { i }); return 'done';";

describe('per-run overrides', () => {
  it('a stricter level applies to that run only', async () => {
    expect((await enclave.run(REGEX)).value).toBe('123'); // SECURE allows regular expressions
    const strict = await enclave.run(REGEX, { securityLevel: 'STRICT' });
    expect(strict.error?.code).toBe('VALIDATION_ERROR');
    expect(strict.error?.issues?.map((i) => i.rule)).toContain('no-regex');
    expect((await enclave.run(REGEX)).value).toBe('123'); // the next run is back at the enclave's level
  });

  it('a looser level is ignored: the enclave is the floor', async () => {
    const named = 'const double = (x) => x * 2; return double(21);'; // allowed from STANDARD on
    const loose = await enclave.run(named, { securityLevel: 'PERMISSIVE' });
    expect(loose.error?.code).toBe('VALIDATION_ERROR');
    expect(loose.error?.issues?.map((i) => i.rule)).toContain('arrow-position');
  });

  it('a lower limit applies; a higher one is ignored', async () => {
    expect((await enclave.run(THREE_CALLS)).value).toBe('done');
    expect((await enclave.run(THREE_CALLS, { limits: { maxToolCalls: 2 } })).error?.code).toBe('MAX_TOOL_CALLS');
    const many = "for (let i = 0; i < 60; i++) await callTool('t:echo', { i }); return 'done';"; // SECURE allows 50
    expect((await enclave.run(many, { limits: { maxToolCalls: 1000 } })).error?.code).toBe('MAX_TOOL_CALLS');
  });

  it('a lower result limit is what the result is measured against', async () => {
    const result = await enclave.run("return 'x'.repeat(2000);", { limits: { maxResultBytes: 1000 } });
    expect(result.error?.code).toBe('OUTPUT_LIMIT');
    expect(result.error?.message).toContain('1000 bytes');
  });
});

// Lifetimes: an Enclave's workers exist only between its first run and dispose(); nothing is left behind.
import { describe, expect, it } from 'vitest';
import { Enclave, EnclaveConfigError } from '../../src/enclave/index.js';
import { signal } from '../wait-for.js';

const activePorts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

describe('Enclave lifecycle', () => {
  it('starts workers lazily and leaves none after dispose', async () => {
    const before = activePorts();
    const enclave = new Enclave({ poolSize: 2 });
    expect(activePorts()).toBe(before); // nothing starts before the first run
    expect(await enclave.run('return 1 + 1')).toMatchObject({ success: true, value: 2 });
    expect(activePorts()).toBeGreaterThan(before);
    await enclave.dispose();
    expect(activePorts()).toBe(before);
  });

  it('answers a run after dispose with a clear error instead of throwing', async () => {
    const enclave = new Enclave();
    await enclave.dispose();
    const r = await enclave.run('return 1');
    expect(r).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR' } });
    expect(r.error!.message).toMatch(/disposed/);
  });

  it('fails scripts still running at dispose with CANCELLED, and they do not hang', async () => {
    const called = signal();
    const enclave = new Enclave({
      toolHandler: () => {
        called.resolve();
        return new Promise(() => {});
      },
    });
    await enclave.run('return 0'); // workers ready
    const running = enclave.run("return await callTool('slow:never', {});");
    await called.promise; // the script is running, parked on its tool call
    await enclave.dispose();
    expect(await running).toMatchObject({ success: false, error: { code: 'CANCELLED' } });
  });

  it('rejects configuration mistakes at construction with EnclaveConfigError', () => {
    expect(() => new Enclave({ securityLevel: 'LAX' as never })).toThrow(EnclaveConfigError);
    expect(() => new Enclave({ limits: { timeoutMs: -1 } })).toThrow(EnclaveConfigError);
    expect(() => new Enclave({ limits: { timeoutMS: 5 } as never })).toThrow(/timeoutMS/); // unknown keys are not ignored
    expect(() => new Enclave({ globals: { process: 1 } })).toThrow(EnclaveConfigError);
    expect(() => new Enclave({ globals: { __ag_x: 1 } })).toThrow(EnclaveConfigError);
  });

  it('exposes host-provided globals as read-only data', async () => {
    const enclave = new Enclave({ globals: { config: { region: 'eu', max: 3 } } });
    try {
      expect(await enclave.run('return `${config.region}:${config.max}`')).toMatchObject({ success: true, value: 'eu:3' });
      const r = await enclave.run('config = 1; return config');
      expect(r).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    } finally {
      await enclave.dispose();
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { Enclave } from '../../src/enclave/index.js';

const enclave = new Enclave();
afterAll(() => enclave.dispose());

describe('smoke', () => {
  it('runs a script', async () => {
    const r = await enclave.run('return 1 + 1');
    expect(r).toMatchObject({ success: true, value: 2 });
  });
});

// Stage 6's own parts (src/enclave/sanitize.ts); the redaction it applies is tested in test/shared/redaction.test.ts.
import { describe, expect, it } from 'vitest';
import { capLogs } from '../../src/enclave/sanitize.js';

describe('capLogs', () => {
  it('strips control characters as a second line', () => {
    const logs = capLogs([{ level: 'log', message: '\u001b[2Jhello\r' }], 1000, 10);
    expect(logs).toEqual([{ level: 'log', message: 'hello' }]);
  });
});

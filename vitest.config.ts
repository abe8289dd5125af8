import { defineConfig } from 'vitest/config';

// CI asks for a JSON summary beside the usual output (VITEST_JSON=path), to print one closing line.
const json = process.env.VITEST_JSON;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The playground's assets, built once per run (the browser tests and /web/* routes read dist/web).
    globalSetup: ['test/global-setup.ts'],
    // A hang guard, not a speed claim (speed is measured in `npm run bench`): a test that starts several tsx children
    // (~2 s each on a quiet machine) or runs attacks side by side needs several times that on a loaded two-core CI.
    testTimeout: 90_000,
    // expect.poll waits 1 s unless told: a tools/list round trip to a tsx child can take longer on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 90_000,
    // Sandbox workers are real threads; two test files at a time suit a two-core machine.
    maxWorkers: 2,
    // A process per test file (the default, written down): test/cpu-time.ts takes this process's CPU as one test's.
    pool: 'forks',
    reporters: json ? ['default', ['json', { outputFile: json }]] : ['default'],
  },
});

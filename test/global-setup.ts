// Runs once before any test file: builds the playground's assets (scripts/build-web.mjs, well under a second), so
// tests that open the page or fetch /web/* see the current sources, never a stale dist/web from an earlier build.
// A failed build is reported here but does not stop the other test files; its dist/web is removed, so the tests that
// need the page fail on their own (saying it is not built) instead of passing against the previous build.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    execFileSync(process.execPath, ['scripts/build-web.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    rmSync(fileURLToPath(new URL('../dist/web', import.meta.url)), { recursive: true, force: true });
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    process.stderr.write(`global-setup: the web build failed (node scripts/build-web.mjs); the playground tests will fail:\n${stderr.slice(-3000)}\n`);
  }
}

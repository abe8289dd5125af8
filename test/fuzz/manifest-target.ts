// parseManifest on generated manifests: it returns a manifest or throws ConfigError (code CONFIG_ERROR), never
// another exception; it is quick on any input; its messages never quote the environment secret nor a value written
// in the manifest; and every environment value it substituted is registered as a secret to redact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/shared/index.js';
import { parseManifest, secretValues } from '../../src/tool-bridge/manifest.js';
import { expectNoLeak, SECRET_CANARY } from './canaries.js';
import type { FuzzTarget } from './fuzz-kit.js';
import { LITERAL_CANARY, MANIFEST_ENV, manifestInput } from './manifests.js';

/**
 * Parsing is synchronous, at start-up: it must end, whatever the manifest. (A hang, not a speed test: a "__proto__"
 * key 50,000 arrays deep costs ~0.3 s alone, since its path is built with unshift, and two test files share the cores.)
 */
const MAX_PARSE_MS = 5_000;
const REFERENCE = { servers: { fx: { command: 'node', args: ['./server.js'] } }, allow: ['fx:*'] };

export const manifestsTarget: FuzzTarget<unknown> = {
  name: 'manifests',
  what: 'generated manifests through parseManifest',
  ciRuns: 500,
  weight: 1,
  arbitrary: manifestInput,
  open: async () => {
    const baseDir = mkdtempSync(join(tmpdir(), 'enclave-fuzz-manifest-'));
    const parse = (json: unknown) => parseManifest(json, { baseDir, env: MANIFEST_ENV, source: 'fuzz.json' });
    return {
      check: async (json, tally) => {
        const t0 = performance.now();
        let outcome: string;
        try {
          const manifest = parse(json);
          const text = JSON.stringify(manifest);
          if (text.includes(SECRET_CANARY) && !secretValues(manifest).includes(SECRET_CANARY)) {
            throw new Error('the manifest holds the substituted secret but secretValues() does not list it');
          }
          outcome = 'parsed';
        } catch (error) {
          if (!(error instanceof ConfigError) || error.code !== 'CONFIG_ERROR') {
            throw new Error(
              `parseManifest threw something other than ConfigError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            );
          }
          expectNoLeak(error.message, 'a ConfigError message', false);
          if (error.message.includes(LITERAL_CANARY)) throw new Error(`a ConfigError message quotes a value of the manifest: ${error.message}`);
          outcome = `CONFIG_ERROR at ${topOf(error.path)}`;
        }
        const ms = performance.now() - t0;
        tally.took(ms, outcome);
        if (ms > MAX_PARSE_MS) throw new Error(`parseManifest took ${Math.round(ms)} ms`);
        return outcome;
      },
      afterwards: async () => {
        const manifest = parse(REFERENCE);
        if (manifest.allow[0] !== 'fx:*' || !manifest.servers.fx) throw new Error('a plain manifest no longer parses afterwards');
      },
      close: async () => rmSync(baseDir, { recursive: true, force: true }),
    };
  },
};

const KNOWN = new Set(['$schema', '$comment', 'securityLevel', 'limits', 'servers', 'allow', 'deny']);
/** The first step of a ConfigError's path ("servers", "allow", …), to tally where manifests fail. */
function topOf(path: string | undefined): string {
  if (!path) return 'top level';
  const top = /^[A-Za-z_$][\w$]*/.exec(path)?.[0];
  return top && KNOWN.has(top) ? top : 'another key';
}

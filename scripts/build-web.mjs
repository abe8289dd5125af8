// Build step: the playground page served at `/` (src/mcp/http-playground.ts) and the browser sandbox, bundled for
// browsers into dist/web. Nothing is loaded from another host at run time, so everything the page needs is here:
// the page's code (CodeMirror, the client library, validation stages 1–4 from src/enclave), the sandbox worker and
// the QuickJS WebAssembly module it runs. `node scripts/build-web.mjs`; prints what it wrote and how big.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sandboxTextsPlugin } from './sandbox-texts-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/web');
const require = createRequire(join(root, 'package.json'));

/**
 * The same settings for every bundle: modern browsers, one file each, no source maps shipped. The plugin puts the
 * sandbox-side runtime's texts where Node reads them from disk (runtime/sandbox-files.ts), for the sandbox worker.
 */
const common = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: 'es2022',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [sandboxTextsPlugin()],
};

const started = performance.now();
// Built beside dist/web, then swapped in: a server (or a test run started meanwhile) never sees a half-written or
// missing page, and no stale file of an earlier build (a worker since removed) is left to be served.
const next = join(root, `dist/.web-${process.pid}`);
rmSync(next, { recursive: true, force: true });
mkdirSync(next, { recursive: true });

const bundles = [build({ ...common, entryPoints: { app: join(root, 'src/playground/app.ts') }, outdir: next })];
const worker = join(root, 'src/enclave/runtime/browser-worker.ts');
if (existsSync(worker)) bundles.push(build({ ...common, entryPoints: { 'sandbox-worker': worker }, outdir: next }));
else console.warn('build-web: src/enclave/runtime/browser-worker.ts does not exist yet: no sandbox-worker.js (Replay in the page needs it)');
try {
  await Promise.all(bundles);
  copyFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'), join(next, 'quickjs.wasm'));
  copyFileSync(join(root, 'src/playground/index.html'), join(next, 'index.html'));
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  throw error;
}
// Another build may swap its own in at the same moment (two test runs starting together): whichever lands last wins,
// and both are the same sources.
for (let attempt = 0; ; attempt++) {
  const old = join(root, `dist/.web-old-${process.pid}-${attempt}`);
  try {
    if (existsSync(out)) renameSync(out, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error; // the other build moved it first
  }
  try {
    renameSync(next, out);
    break;
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 5) throw error;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

const kb = (file) => `${(statSync(join(out, file)).size / 1024).toFixed(1)} KB`;
for (const file of ['index.html', 'app.js', 'app.css', 'sandbox-worker.js', 'quickjs.wasm'].filter((f) => existsSync(join(out, f)))) {
  console.log(`  ${relative(root, join(out, file)).padEnd(28)} ${kb(file)}`);
}
console.log(`build-web: done in ${Math.round(performance.now() - started)} ms`);

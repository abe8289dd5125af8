#!/usr/bin/env node
// Builds the example app with esbuild into examples/react-app/dist/ (index.html, app.js, styles.css).
//   node examples/react-app/build.mjs                 build once
//   node examples/react-app/build.mjs --serve 5173    build, rebuild on change, and serve dist/ on 127.0.0.1:5173
//   node examples/react-app/build.mjs --outdir DIR    build into DIR instead (the tests do)
// `enclave-mcp/client` and `enclave-mcp/react` are aliased to this repository's sources, so no `npm run build` is
// needed first. In an app of your own, `npm install enclave-mcp` and drop the alias: the package's exports serve them.
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const STATIC_FILES = ['index.html', 'styles.css'];

/** esbuild's options for a build into `outdir`. */
function options(outdir) {
  return {
    absWorkingDir: repo,
    entryPoints: [join(here, 'src/main.tsx')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: { 'enclave-mcp/client': join(repo, 'src/client/index.ts'), 'enclave-mcp/react': join(repo, 'src/react/index.ts') },
  };
}

const copyStatic = (outdir) => STATIC_FILES.forEach((file) => copyFileSync(join(here, file), join(outdir, file)));

/** Builds the app into `outdir` (default examples/react-app/dist); resolves with the files written and their sizes. */
export async function buildApp({ outdir = join(here, 'dist') } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await esbuild.build(options(outdir));
  copyStatic(outdir);
  return ['app.js', ...STATIC_FILES].map((file) => ({ file, bytes: statSync(join(outdir, file)).size }));
}

async function main() {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, serve: { type: 'string' } } });
  const outdir = resolve(values.outdir ?? join(here, 'dist'));
  const files = await buildApp({ outdir });
  for (const { file, bytes } of files) console.log(`${join(outdir, file)}  ${(bytes / 1024).toFixed(1)} KB`);
  if (values.serve === undefined) return;
  const port = Number(values.serve);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--serve takes a port number (got "${values.serve}").`);
  const context = await esbuild.context({ ...options(outdir), plugins: [{ name: 'static', setup: (b) => b.onEnd(() => copyStatic(outdir)) }] });
  await context.watch();
  await context.serve({ servedir: outdir, host: '127.0.0.1', port });
  console.log(`Serving the example app at http://127.0.0.1:${port}/ (rebuilt on change). Start the server with:`);
  console.log(`  npm start -- --allow-origin http://127.0.0.1:${port}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

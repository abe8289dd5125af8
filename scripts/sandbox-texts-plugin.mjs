// esbuild plugin for browser bundles of the sandbox (src/enclave/runtime/browser-worker.ts): Node reads the
// sandbox-side runtime (src/enclave/runtime/sandbox-js/*.js) from disk at run time (runtime/sandbox-files.ts); a
// browser has no disk, so this plugin puts a module in its place that holds the same files' texts, read at build
// time. One source of truth: the files themselves, whichever way they reach QuickJS.
// Use: build({ …, plugins: [sandboxTextsPlugin()] }). Without it, a browser bundle fails on `node:fs`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NAMESPACE = 'enclave-sandbox-texts';

/** @returns {import('esbuild').Plugin} */
export function sandboxTextsPlugin() {
  return {
    name: 'enclave-sandbox-texts',
    setup(build) {
      // Only the reader imported by sandbox-source.ts is replaced; every other module bundles as it is.
      build.onResolve({ filter: /^\.\/sandbox-files(?:\.js|\.ts)?$/ }, (args) => {
        if (!/[\\/]runtime[\\/]sandbox-source\.[jt]s$/.test(args.importer)) return undefined;
        return { path: join(dirname(args.importer), 'sandbox-js'), namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const files = readdirSync(args.path)
          .filter((name) => name.endsWith('.js'))
          .sort();
        const texts = Object.fromEntries(files.map((name) => [name.slice(0, -'.js'.length), readFileSync(join(args.path, name), 'utf8')]));
        const contents = [
          `const TEXTS = ${JSON.stringify(texts)};`,
          'export function sandboxFile(name) {',
          '  if (!Object.hasOwn(TEXTS, name)) throw new Error(`The sandbox runtime has no file ${name}.js in this bundle.`);',
          '  return TEXTS[name];',
          '}',
        ].join('\n');
        // In watch mode, an edit of a sandbox-side file rebuilds the bundle.
        return { contents, loader: 'js', resolveDir: args.path, watchFiles: files.map((name) => join(args.path, name)), watchDirs: [args.path] };
      });
    },
  };
}

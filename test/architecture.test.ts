// Dependencies point one way, cli → mcp → tool-bridge → enclave, and what every layer needs (the logger, redaction,
// the configuration error) lives in src/shared/, which imports no layer. Read from the import and export statements
// of every file under src/, so an import that points the wrong way fails here, not in review.
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

type Layer = 'shared' | 'enclave' | 'tool-bridge' | 'mcp' | 'cli' | 'client' | 'react' | 'playground';
/** What each layer may import besides itself: the arrows, as data. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  shared: [],
  enclave: ['shared'],
  'tool-bridge': ['enclave', 'shared'],
  mcp: ['tool-bridge', 'enclave', 'shared'],
  cli: ['mcp', 'tool-bridge', 'enclave', 'shared'],
  // The browser side: the client library (Node and browsers), the React hook on it, and the playground page.
  client: ['enclave'],
  react: ['client'],
  playground: ['client', 'enclave'],
};
/** Layers whose code runs in a browser: no node: built-in, and the enclave only through its browser door. */
const BROWSER_LAYERS: ReadonlySet<Layer> = new Set(['client', 'react', 'playground']);
/** A layer's only door for the layers above it: its internals can move without their imports changing. */
const FRONT_DOOR: Partial<Record<Layer, string | readonly string[]>> = {
  enclave: 'enclave/index.ts',
  // text.ts is the part of the shared module that runs in browsers too (stages 1–4 and the sandbox use it there).
  shared: ['shared/index.ts', 'shared/text.ts'],
  client: 'client/index.ts',
};
/** The enclave's door for browser code: stages 1–4, replay and the browser sandbox, nothing that needs Node. */
const BROWSER_DOOR: Partial<Record<Layer, string | readonly string[]>> = { enclave: 'enclave/browser.ts', client: 'client/index.ts' };
/** Whether `target` (a path under src/) is one of `layer`'s doors for code in `from`; true when it has none. */
function throughDoor(from: Layer, to: Layer, target: string): boolean {
  const doors = (BROWSER_LAYERS.has(from) ? BROWSER_DOOR : FRONT_DOOR)[to];
  return doors === undefined || (typeof doors === 'string' ? [doors] : doors).includes(target);
}
const doorOf = (from: Layer, to: Layer): string => [(BROWSER_LAYERS.has(from) ? BROWSER_DOOR : FRONT_DOOR)[to] ?? []].flat().join(' or src/');
/** Names a layer must not import: the bridge answers the Enclave's tool calls, the composition root builds it. */
const FORBIDDEN_NAMES: Partial<Record<Layer, readonly string[]>> = { 'tool-bridge': ['Enclave'] };

/** `cli.ts` and its helpers sit at the top of src/; every other file is in the folder of its layer. */
function layerOf(path: string): Layer | undefined {
  const folder = path.includes('/') ? path.slice(0, path.indexOf('/')) : 'cli';
  return (Object.keys(MAY_IMPORT) as Layer[]).find((layer) => layer === folder);
}

interface Import {
  /** The module as written. */
  from: string;
  /** The names it brings in (`Enclave`, not the local alias); empty for a side-effect or namespace import. */
  names: string[];
}

/** Static imports, re-exports, `import()` and `typeof import()`: every way a file can reach another. */
function importsOf(path: string, text: string): Import[] {
  const out: Import[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
      const elements = clause && (ts.isNamedImports(clause) || ts.isNamedExports(clause)) ? clause.elements : [];
      out.push({ from: node.moduleSpecifier.text, names: elements.map((e) => (e.propertyName ?? e.name).text) });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push({ from: node.arguments[0].text, names: [] });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ from: node.argument.literal.text, names: [] });
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false));
  return out;
}

/** Every rule broken by the files given (path under src/ → text), one line each. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [path, text] of files) {
    const layer = layerOf(path);
    if (!layer) {
      found.push(`${path} is in no layer: put it in src/shared/ or a layer's folder, or add its folder to MAY_IMPORT`);
      continue;
    }
    const browser = BROWSER_LAYERS.has(layer);
    for (const { from, names } of importsOf(path, text)) {
      if (browser && from.startsWith('node:')) found.push(`${path} (${layer}) imports ${from}: browser code cannot use Node's built-ins`);
      if (!from.startsWith('.')) continue; // a package or a node: built-in
      const target = posix.normalize(posix.join(posix.dirname(path), from)).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      if (target.startsWith('../')) found.push(`${path} imports ${from}, outside src/`);
      else if (to && to !== layer && !MAY_IMPORT[layer].includes(to))
        found.push(`${path} (${layer}) imports ${from} (${to}): ${layer} may import ${MAY_IMPORT[layer].join(', ') || 'no layer'}`);
      else if (to && to !== layer && !throughDoor(layer, to, target))
        found.push(`${path} imports ${from}: outside ${to}, import it from src/${doorOf(layer, to)}`);
      for (const name of names) if (FORBIDDEN_NAMES[layer]?.includes(name)) found.push(`${path} (${layer}) imports ${name} from ${from}`);
    }
  }
  return found;
}

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    const path = entry.split('\\').join('/');
    if (/\.(?:ts|js|mjs)$/.test(path)) files.set(path, readFileSync(`${SRC}${path}`, 'utf8'));
  }
  return files;
}

describe('architecture', () => {
  it('every file under src/ imports only along the arrows, through the enclave’s and the shared module’s index', () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });

  it('the composition root is in the layer that assembles the server, and the CLI and serve use it', () => {
    const files = sourceFiles();
    expect(files.has('mcp/open.ts')).toBe(true);
    expect([...files.keys()].filter((path) => path.startsWith('tool-bridge/') && /\bnew Enclave\(/.test(files.get(path)!))).toEqual([]);
    for (const user of ['cli.ts', 'mcp/serve.ts'])
      expect(importsOf(user, files.get(user)!).map((i) => i.from)).toContain(user === 'cli.ts' ? './mcp/open.js' : './open.js');
  });

  // The checker itself: each rule refuses the import it exists for.
  it.each([
    ['enclave/x.ts', "import { Gateway } from '../mcp/server.js';", 'enclave may import shared'],
    ['tool-bridge/x.ts', "export { serve } from '../mcp/serve.js';", 'tool-bridge may import enclave, shared'],
    ['mcp/x.ts', "const cli = await import('../cli.js');", 'mcp may import tool-bridge, enclave, shared'],
    ['shared/x.ts', "type R = import('../enclave/types.js').JsonValue;", 'shared may import no layer'],
    ['mcp/x.ts', "import { log } from '../enclave/log.js';", 'import it from src/enclave/index.ts'],
    ['tool-bridge/x.ts', "import { log } from '../shared/log.js';", 'import it from src/shared/index.ts or src/shared/text.ts'],
    ['tool-bridge/x.ts', "import { Enclave as E } from '../enclave/index.js';", 'imports Enclave from'],
    ['compose/open.ts', "import { Enclave } from '../enclave/index.js';", 'is in no layer'],
    ['client/x.ts', "import { Gateway } from '../mcp/server.js';", 'client may import enclave'],
    ['client/x.ts', "import { readFileSync } from 'node:fs';", "browser code cannot use Node's built-ins"],
    ['playground/x.ts', "import type { Limits } from '../enclave/index.js';", 'import it from src/enclave/browser.ts'],
    ['playground/x.ts', "import { log } from '../shared/index.js';", 'playground may import client, enclave'],
    ['react/x.ts', "import { runInBrowser } from '../enclave/browser.js';", 'react may import client'],
    ['react/x.ts', "import { connect } from '../client/connect.js';", 'import it from src/client/index.ts'],
  ])('refuses %s: %s', (path, text, message) => {
    expect(violations(new Map([[path, text]])).join('\n')).toContain(message);
  });
  it('allows imports along the arrows and within a layer', () => {
    const ok = new Map([
      ['cli.ts', "import { openManifest } from './mcp/open.js';\nimport { validate } from './enclave/index.js';"],
      ['mcp/open.ts', "import { ToolBridge } from '../tool-bridge/bridge.js';\nimport { log } from '../shared/index.js';"],
      ['enclave/enclave.ts', "import { compile } from './pipeline.js';\nimport { Redactor } from '../shared/index.js';"],
      ['shared/index.ts', "export { log } from './log.js';\nimport { readFileSync } from 'node:fs';"],
      ['playground/app.ts', "import { connectEnclave } from '../client/index.js';\nimport { runInBrowser } from '../enclave/browser.js';"],
      ['react/index.ts', "import type { EnclaveClient } from '../client/index.js';\nimport { useState } from 'react';"],
    ]);
    expect(violations(ok)).toEqual([]);
  });
});

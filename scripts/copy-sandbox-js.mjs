// Build step: the sandbox-side runtime is plain JavaScript read as text at run time (src/enclave/runtime/
// sandbox-source.ts), not compiled by tsc; it is copied beside the built runtime as it is.
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'src/enclave/runtime/sandbox-js');
cpSync(from, join(root, 'dist/enclave/runtime/sandbox-js'), { recursive: true, filter: (path) => !path.endsWith('.d.ts') });

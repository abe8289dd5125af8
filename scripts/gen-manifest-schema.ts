// Writes manifests/manifest.schema.json from the manifest's zod schema: `npx tsx scripts/gen-manifest-schema.ts`.
// test/tool-bridge/manifest.test.ts fails while the checked-in file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema } from '../src/tool-bridge/manifest-schema.js';

const out = fileURLToPath(new URL('../manifests/manifest.schema.json', import.meta.url));
writeFileSync(out, manifestJsonSchema());
process.stderr.write(`wrote ${out}\n`);

// `npm run bench`: end-to-end figures on this machine, each section with its baselines measured in the same run.
// Prints Markdown tables.
import { cpus } from 'node:os';
import { benchBridge } from './bridge.js';
import { benchBrowser } from './browser.js';
import { benchEnclave } from './enclave.js';
import { benchHttpLoad } from './http-load.js';
import { benchReplicas } from './replicas.js';
import { benchResponsiveness } from './responsiveness.js';

/** The sections, in order; `npm run bench -- enclave bridge` runs only those named. */
const SECTIONS: Array<[string, () => Promise<void>]> = [
  ['enclave', benchEnclave], // scripts with 0, 1 and 10 calls, throughput, memory (issues 2 and 12)
  ['responsiveness', benchResponsiveness], // the main thread while hostile scripts are checked and run (issue 8)
  ['bridge', benchBridge], // the tool bridge against a direct SDK client call to the same server (issues 3 and 12)
  ['http', benchHttpLoad], // the whole product under load: HTTP sessions, concurrent scripts, real downstream calls
  ['browser', benchBrowser], // the browser sandbox beside the Node one (issue 11)
  ['replicas', benchReplicas], // three --stateless replicas behind nginx, one killed mid-load (issue 10)
];

async function main(): Promise<void> {
  console.log(`enclave-mcp benchmark — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !SECTIONS.some(([section]) => section === name));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}: the sections are ${SECTIONS.map(([s]) => s).join(', ')}`);
  for (const [name, section] of SECTIONS) if (only.length === 0 || only.includes(name)) await section();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

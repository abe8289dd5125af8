// Shapes shared by the tool bridge's modules. The bridge depends on the enclave, never the reverse.
import type { JsonObject } from '../enclave/index.js';

/** One tool of a downstream server, as the bridge knows it after tools/list. */
export interface DownstreamTool {
  /** The name a script uses: `server:tool`. */
  qualifiedName: string;
  server: string;
  /** The tool's own name on its server. */
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject;
  outputSchema?: JsonObject;
  /** What the tool-text sanitizer found suspicious in its texts ("where: reason"), for `tools` and the log. */
  flags?: string[];
}

/** An allowed tool kept from the model by the manifest's pins. */
export interface WithheldTool {
  qualifiedName: string;
  reason: 'changed' | 'unpinned';
}

// Scripts and waits shared by the client library's tests and the React hook's: a script that runs long enough to be
// cancelled and writes to server-memory as it goes, and a check that the server really stopped it.
import type { EnclaveClient } from '../../src/client/index.js';

/** 40 rounds of (250 ms call, a memory write tagged `tag`, a console line "tick i"): about 11 s unless stopped. */
export const longScript = (tag: string): string =>
  `for (let i = 0; i < 40; i++) { await callTool('everything:trigger-long-running-operation', { duration: 0.25, steps: 1 }); await callTool('memory:create_entities', { entities: [{ name: 'tick-' + i + '-${tag}', entityType: 'tick', observations: [] }] }); console.log('tick ' + i); } return 'finished';`;

const countTicks = (tag: string): string =>
  `const g = await callTool('memory:read_graph', {}); return g.entities.filter(e => e.name.startsWith('tick-') && e.name.endsWith('-${tag}')).length;`;

/**
 * Writes a cancelled long script may still make after the last tick its caller saw: the one in flight when the cancel
 * arrived, and one per tick line still on its way (dropped once the run was cancelled) on a loaded machine. The script
 * makes 40 if it is not stopped.
 */
export const STOP_SLACK = 3;

/** Resolves once `condition` holds; throws after `ms` saying what was awaited. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * How many writes the script tagged `tag` made, once they stopped: read until two reads 1 s apart (about four
 * rounds of the script) agree. Throws if they never settle within 15 s, i.e. the script was not stopped.
 */
export async function settledWrites(client: EnclaveClient, tag: string): Promise<number> {
  let last = -1;
  let written = -2;
  await until(
    `the writes tagged ${tag} to stop`,
    async () => {
      last = written;
      const result = await client.run(countTicks(tag));
      if (!result.success) throw new Error(`counting the writes failed: ${JSON.stringify(result.error)}`);
      written = result.value as number;
      if (written !== last) await new Promise((resolve) => setTimeout(resolve, 1000));
      return written === last;
    },
    15_000,
  );
  return written;
}

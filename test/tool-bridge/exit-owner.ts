// Not a test: a Node process that opens a ToolBridge on the stdio fixture server and then ends without closing it, the
// way lifetimes.test.ts asks (`exit`: process.exit(0); `throw`: an uncaught error). The server is kept alive by a
// timer, so it does not end on its own when its stdin closes: only the bridge's exit hook can end it.
// node --import tsx test/tool-bridge/exit-owner.ts <mark> <exit|throw>; prints "ready" once connected, then ends
// when its stdin does.
import { ToolBridge } from '../../src/tool-bridge/bridge.js';
import { parseManifest } from '../../src/tool-bridge/manifest.js';
import { FIXTURE_STDIO, TSX } from './open-helpers.js';

const [mark, how] = process.argv.slice(2);
if (!mark || (how !== 'exit' && how !== 'throw')) throw new Error('usage: exit-owner.ts <mark> <exit|throw>');
const KEEP_ALIVE = 'data:text/javascript,setInterval(() => {}, 2 ** 30)';
const manifest = parseManifest(
  { servers: { fx: { command: process.execPath, args: ['--import', TSX, '--import', KEEP_ALIVE, FIXTURE_STDIO], env: { TEST_MARK: mark } } }, allow: ['fx:*'] },
  { baseDir: process.cwd(), env: {} },
);
const bridge = await ToolBridge.start(manifest);
if (bridge.unavailable.length > 0) throw new Error(`the fixture server did not start: ${JSON.stringify(bridge.unavailable)}`);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.once('end', () => {
  if (how === 'exit') process.exit(0);
  throw new Error('exit-owner: an uncaught error, on purpose');
});

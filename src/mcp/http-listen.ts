// Binding an HTTP listener (the main port, --metrics-port): an address that cannot be had is the operator's to fix,
// so it is a ConfigError (CLI exit 2) saying what to change; errors after that are logged, and the server keeps serving.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, log } from '../shared/index.js';

/** The codes an operator can act on, in words. */
const WHY: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is in use',
  EACCES: 'needs privileges we do not have',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

/** Listens on host:port (0 picks a free port); resolves with the port bound. `advice` ends the ConfigError's message. */
export function listen(server: Server, host: string, port: number, advice: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const why = WHY[error.code ?? ''];
      reject(why ? new ConfigError(`${host}:${port} ${why}. ${advice}`) : error);
    };
    server.once('error', failed);
    // listen() takes ::1 where a URL writes [::1].
    server.listen(port, host.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', failed);
      // Later errors (EMFILE on accept, …): with no listener, Node would end the process.
      server.on('error', (error) => log.error('the HTTP server reported an error; it keeps serving', error));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// A live legacy SSE session (GET /sse) for the HTTP property: generated POSTs to /messages?sessionId=… reach a real
// session, and their answers, which arrive on this stream, are checked for canaries like every other answer.
import { type ClientRequest, request } from 'node:http';
import { expectNoLeak } from './canaries.js';
import type { Served } from './http-server.js';

export class LegacyStream {
  private req: ClientRequest | undefined;
  private id: Promise<string> | undefined;
  private text = '';
  private checked = 0;

  constructor(private readonly served: Served) {}

  /** The session id of the open stream; a new stream when the last one ended. */
  sessionId(): Promise<string> {
    return (this.id ??= this.open());
  }

  private open(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('GET /sse sent no endpoint event within 10 s')), 10_000);
      const headers = { Authorization: `Bearer ${this.served.token}`, Accept: 'text/event-stream' };
      this.req = request({ host: '127.0.0.1', port: this.served.port, path: '/sse', method: 'GET', headers }, (res) => {
        res.on('data', (chunk: Buffer) => {
          this.text += chunk.toString('utf8');
          const found = /sessionId=([\w-]+)/.exec(this.text)?.[1];
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
        res.on('close', () => (this.id = undefined));
      });
      this.req.on('error', (error) => {
        clearTimeout(timer);
        this.id = undefined;
        reject(error);
      });
      this.req.end();
    });
  }

  /** Throws when what the stream carried since the last call holds a canary or a host path. */
  expectNoLeak(): void {
    // From a little before the last check: a canary may straddle two chunks. Only that tail is kept.
    const fresh = this.text.slice(Math.max(0, this.checked - 64));
    this.text = this.text.slice(-64);
    this.checked = this.text.length;
    expectNoLeak(fresh, 'the legacy SSE stream');
  }

  close(): void {
    this.req?.destroy();
  }
}

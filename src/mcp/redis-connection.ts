// One connection to Redis that never makes its caller wait unboundedly: commands are refused at once while it is
// down (no offline queue), and a command Redis does not answer in time fails and replaces the connection. It
// reconnects in the background, so the caller recovers by itself when Redis is back. Its URL, which may hold a
// password, appears only redacted: in `label`, in `problem` and in state changes.
import { createClient, type RedisClientType } from '@redis/client';
import { MIN_REDACTED_LENGTH } from '../shared/index.js';

export interface RedisConnectionOptions {
  /** How long connecting may take, and how long `open` waits for the first connection (default 2000 ms). */
  connectTimeoutMs?: number;
  /** How long a command may take before it fails and the connection is replaced (default 2000 ms). */
  commandTimeoutMs?: number;
  /** Told when Redis becomes reachable or unreachable (transitions only), with a redacted message for the log. */
  onStateChange?: (state: { up: boolean; message: string }) => void;
  /** What the connection is for, as its state messages begin (default "quota store"). */
  purpose?: string;
}

/** The URL without its user information (`redis://***@host:6379/0`), or a stand-in when it does not parse. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username || u.password ? '***@' : ''}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the configured Redis URL';
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Removes the URL's password from a text (as written and decoded). The client's errors do not quote it; this is
 * for those that might. Passwords shorter than the project's Redactor minimum are left alone: replacing every "ab"
 * would garble messages and hide nothing worth hiding.
 */
export function redisRedactor(url: string): (text: string) => string {
  const password = URL.canParse(url) ? new URL(url).password : '';
  const secrets = [...new Set([password, safeDecode(password)])].filter((s) => s.length >= MIN_REDACTED_LENGTH);
  return (text) => secrets.reduce((t, secret) => t.split(secret).join('***'), text);
}

/** Redis's first reconnection waits 50 ms, then twice as long each time, up to 1 s: recovery within about a second. */
const reconnectDelay = (retries: number): number => Math.min(50 * 2 ** retries, 1000);

export class RedisConnection {
  readonly label: string;
  readonly #url: string;
  readonly #redact: (text: string) => string;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #onStateChange: RedisConnectionOptions['onStateChange'];
  readonly #purpose: string;
  /** Channels this connection listens on; each client it makes subscribes to them once ready. */
  readonly #subscriptions = new Map<string, (message: string) => void>();
  #client: RedisClientType;
  #problem: string | undefined = 'not connected yet';
  /** What onStateChange was last told (undefined: nothing yet), so it hears of changes only. */
  #reportedUp: boolean | undefined;
  /** Runs from a TCP connection until Redis has answered the client's handshake. */
  #handshake: NodeJS.Timeout | undefined;
  #closed = false;

  /** Connects, waiting at most connectTimeoutMs: a Redis that is down does not stop the caller from starting. */
  static async open(url: string, options: RedisConnectionOptions = {}): Promise<RedisConnection> {
    const connection = new RedisConnection(url, options);
    await connection.#readyOrTimeout();
    return connection;
  }

  private constructor(url: string, options: RedisConnectionOptions) {
    this.#url = url;
    this.label = `Redis at ${redactRedisUrl(url)}`;
    this.#redact = redisRedactor(url);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.#onStateChange = options.onStateChange;
    this.#purpose = options.purpose ?? 'quota store';
    this.#client = this.#connect();
  }

  /** Why Redis cannot be used now, or undefined when it is connected. */
  get problem(): string | undefined {
    return this.#client.isReady ? undefined : (this.#problem ?? 'not connected');
  }

  /** Sends one command; rejects with a redacted Error when Redis is down or does not answer in time. */
  async command(args: readonly string[]): Promise<unknown> {
    if (this.#closed) throw new Error('the store was closed');
    const client = this.#client;
    if (!client.isReady) throw new Error(this.problem);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`it did not answer within ${this.#commandTimeoutMs} ms`));
        // A written command has no timeout of its own in the client: replace the connection, whose replies may never come.
        this.#replace(client, `it did not answer within ${this.#commandTimeoutMs} ms`);
      }, this.#commandTimeoutMs);
    });
    try {
      return await Promise.race([client.sendCommand(args), timedOut]);
    } catch (error) {
      throw new Error(this.#redact(error instanceof Error ? error.message : String(error)));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Listens on a channel from now on, across reconnections (the client resubscribes after its own reconnects, and a
   * replacement client subscribes once ready). A subscribed connection takes no other commands: use one for each.
   */
  subscribe(channel: string, listener: (message: string) => void): void {
    this.#subscriptions.set(channel, listener);
    if (this.#client.isReady) this.#subscribeAll(this.#client);
  }

  /** Closes the socket and stops reconnecting; commands still waiting fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshake);
    this.#client.destroy();
  }

  #connect(): RedisClientType {
    const client: RedisClientType = createClient({
      url: this.#url,
      // command() refuses while not ready already; this keeps the client from queueing should one slip through.
      disableOfflineQueue: true,
      socket: { connectTimeout: this.#connectTimeoutMs, reconnectStrategy: reconnectDelay },
    });
    // Without an 'error' listener the client's failures would crash the process.
    client.on('error', (error: unknown) => this.#down(client, error instanceof Error ? error.message : String(error)));
    client.on('ready', () => this.#up(client));
    // The client bounds the TCP connection (connectTimeout) but not the handshake after it (AUTH, HELLO, CLIENT
    // SETINFO): one that Redis never answers would leave it connecting forever, so it gets as long again.
    client.on('connect', () => {
      clearTimeout(this.#handshake);
      this.#handshake = setTimeout(() => this.#replace(client, `it did not answer the handshake within ${this.#connectTimeoutMs} ms`), this.#connectTimeoutMs);
    });
    // connect() settles only once connected or destroyed; failures arrive as 'error' events.
    client.connect().catch(() => {});
    return client;
  }

  #replace(client: RedisClientType, why: string): void {
    if (this.#closed || client !== this.#client) return;
    clearTimeout(this.#handshake);
    this.#down(client, why);
    client.destroy();
    this.#client = this.#connect();
  }

  #up(client: RedisClientType): void {
    if (client !== this.#client) return;
    clearTimeout(this.#handshake);
    this.#problem = undefined;
    this.#report(true, `${this.#purpose}: ${this.label} is reachable`);
    this.#subscribeAll(client);
  }

  /** Subscribing to a channel already subscribed sends nothing (the client keeps one listener set per channel). */
  #subscribeAll(client: RedisClientType): void {
    for (const [channel, listener] of this.#subscriptions) {
      client.subscribe(channel, listener).catch((error: unknown) => {
        const why = this.#redact(error instanceof Error ? error.message : String(error));
        this.#report(false, `${this.#purpose}: ${this.label} refused SUBSCRIBE ${channel}: ${why.split('\n')[0]}`);
      });
    }
  }

  #down(client: RedisClientType, why: string): void {
    if (client !== this.#client || this.#closed) return;
    this.#problem = this.#redact(why.split('\n')[0] ?? why);
    this.#report(false, `${this.#purpose}: ${this.label} is unreachable: ${this.#problem}`);
  }

  #report(up: boolean, message: string): void {
    if (this.#reportedUp === up) return;
    this.#reportedUp = up;
    this.#onStateChange?.({ up, message });
  }

  #readyOrTimeout(): Promise<void> {
    if (this.#client.isReady) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.#connectTimeoutMs);
      this.#client.on('ready', done);
    });
  }
}

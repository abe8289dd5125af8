// Noticing a run whose connection broke. The SDK waits for a request's answer until its timeout even after the
// response stream carrying it has ended or failed (it only resumes streams the server made resumable, which
// enclave-mcp does not), so a server that died mid-run would leave run() pending for minutes. Each run's request
// carries a key in its `_meta`; the fetch below tells that run when the stream answering its POST is over.
// Read only: every byte still reaches the SDK unchanged.

/** Where a run's request carries its key (the server ignores `_meta` keys it does not know). */
export const RUN_META_KEY = 'enclave-mcp/run';

/**
 * How long after its stream ended a run still waits for the SDK to deliver the answer that stream carried: the SDK
 * parses the last bytes after the stream reports its end, so an answer may still be on its way for a moment.
 */
const ANSWER_GRACE_MS = 250;

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export class StreamWatch {
  private readonly runs = new Map<string, (error: Error) => void>();
  private readonly base: FetchLike;

  constructor(base?: FetchLike) {
    // Looked up at call time and called as a plain function: a browser's fetch refuses another `this`.
    this.base = base ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Calls `onLost` if the stream answering the request that carries `key` ends before the run stops watching. */
  watch(key: string, onLost: (error: Error) => void): () => void {
    this.runs.set(key, onLost);
    return () => this.runs.delete(key);
  }

  readonly fetch: FetchLike = async (input, init) => {
    const response = await this.base(input, init);
    const key = init?.method === 'POST' ? runKeyIn(init.body) : undefined;
    if (key === undefined || !response.ok || !response.body) return response;
    const body = notifyingEnd(response.body, (error) => this.ended(key, error));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  private ended(key: string, error: unknown): void {
    if (!this.runs.has(key)) return;
    setTimeout(() => {
      const why = error === undefined ? 'the server ended the response before answering' : `the response stream failed (${String(error)})`;
      this.runs.get(key)?.(new Error(why));
    }, ANSWER_GRACE_MS);
  }
}

/** The run key in a POST's JSON-RPC body (one message or a batch), if there is one. */
function runKeyIn(body: unknown): string | undefined {
  if (typeof body !== 'string' || !body.includes(RUN_META_KEY)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
    const key = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta?.[RUN_META_KEY];
    if (typeof key === 'string') return key;
  }
  return undefined;
}

/** The same bytes, with `onEnd` called once when they end, fail, or are no longer wanted. */
function notifyingEnd(body: ReadableStream<Uint8Array>, onEnd: (error?: unknown) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let over = false;
  const end = (error?: unknown): void => {
    if (over) return;
    over = true;
    onEnd(error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}

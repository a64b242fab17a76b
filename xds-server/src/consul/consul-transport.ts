import { performance } from 'node:perf_hooks';
import { ConsulHttpError, ConsulResponseError, ConsulUnreachableError, errorMessage } from './consul-errors';

export interface ConsulRequest {
  /** Path of a GET endpoint, e.g. `/v1/health/service/web`. */
  readonly path: string;
  /** Query parameters, sent in the order given. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Aborts the request (the watch was stopped); the call then rejects. */
  readonly signal: AbortSignal;
  /** Gives up after this long and rejects with ConsulUnreachableError. */
  readonly timeoutMs: number;
}

export interface ConsulResponse {
  /** The raw `X-Consul-Index` header, if any. */
  readonly index: string | undefined;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** Time from sending the request to having the whole body. */
  readonly durationMs: number;
}

/**
 * The only way the watchers talk to Consul. Kept this small so that the fetch-based client
 * below can be swapped (for the `consul` npm package, a test double, or an HTTP/2 client)
 * without touching the watch logic.
 */
export interface ConsulTransport {
  /** Base URL, for messages and /health. */
  readonly address: string;
  /** Resolves with a 2xx answer; rejects with a ConsulError subclass otherwise. */
  get(request: ConsulRequest): Promise<ConsulResponse>;
}

export interface FetchConsulTransportOptions {
  /** ACL token sent as X-Consul-Token (the caller reads CONSUL_HTTP_TOKEN). */
  token?: string;
}

/** ConsulTransport over Node's global fetch. */
export class FetchConsulTransport implements ConsulTransport {
  constructor(
    readonly address: string,
    private readonly options: FetchConsulTransportOptions = {},
  ) {}

  async get(request: ConsulRequest): Promise<ConsulResponse> {
    const url = new URL(request.path, this.address);
    for (const [key, value] of request.query) url.searchParams.append(key, value);
    const target = `${url.pathname}${url.search}`;

    // Our own timer rather than AbortSignal.timeout(): that one lingers until it fires, which
    // for a blocking query is a minute after stop() returned.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.timeoutMs);
    const onStop = (): void => controller.abort();
    request.signal.addEventListener('abort', onStop, { once: true });
    if (request.signal.aborted) controller.abort();

    const started = performance.now();
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.options.token) headers['x-consul-token'] = this.options.token;
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { headers, signal: controller.signal });
        text = await response.text();
      } catch (error) {
        if (request.signal.aborted) throw error;
        const reason = timedOut ? `no answer within ${request.timeoutMs} ms` : networkReason(error);
        throw new ConsulUnreachableError(this.address, target, reason, { cause: error });
      }
      if (!response.ok) throw new ConsulHttpError(this.address, target, response.status, text);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ConsulResponseError(target, `the body is not JSON (starts with ${JSON.stringify(text.slice(0, 60))})`);
      }
      return { index: response.headers.get('x-consul-index') ?? undefined, body, durationMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onStop);
    }
  }
}

/**
 * fetch hides the socket error in `cause`; that is the part a human can act on. Duck-typed
 * because fetch's errors may come from another realm (test sandboxes), where instanceof fails.
 */
function networkReason(error: unknown): string {
  const cause = errorLike(error)?.cause;
  const inner = errorLike(cause);
  if (inner) return inner.code ? `${inner.code}: ${inner.message}` : inner.message;
  return errorMessage(error);
}

function errorLike(value: unknown): { message: string; code?: string; cause?: unknown } | undefined {
  if (typeof value !== 'object' || value === null || typeof (value as { message?: unknown }).message !== 'string') return undefined;
  return value as { message: string; code?: string; cause?: unknown };
}


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
 * The only way the watchers talk to Consul. Kept this small so that the client behind it
 * (consul-client-transport.ts, over the `consul` npm package) can be swapped for a test double
 * or another client without touching the watch logic.
 */
export interface ConsulTransport {
  /** Base URL, for messages and /health. */
  readonly address: string;
  /** Resolves with a 2xx answer; rejects with a ConsulError subclass otherwise. */
  get(request: ConsulRequest): Promise<ConsulResponse>;
}

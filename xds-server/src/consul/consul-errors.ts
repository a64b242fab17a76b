/**
 * Everything the Consul side can fail with. Each message says what failed, the input that
 * caused it and what to do about it, because these strings end up verbatim in /health and
 * in the logs of someone who has never read this code.
 */
export abstract class ConsulError extends Error {
  abstract readonly kind: 'unreachable' | 'http' | 'response' | 'config' | 'consumer';
}

/** The HTTP API did not answer at all: connection refused, DNS failure, reset or timeout. */
export class ConsulUnreachableError extends ConsulError {
  override readonly name = 'ConsulUnreachableError';
  readonly kind = 'unreachable';
  constructor(
    readonly address: string,
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Consul at ${address} is unreachable (GET ${path}: ${reason}). Check that the Consul agent is running and ` +
        `that CONSUL_HTTP_ADDR points at its HTTP API; the last known catalog stays in service and the watch retries with backoff.`,
      options,
    );
  }
}

/** Consul answered with a status other than 2xx. */
export class ConsulHttpError extends ConsulError {
  override readonly name = 'ConsulHttpError';
  readonly kind = 'http';
  constructor(
    readonly address: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
    readonly method: 'GET' | 'POST' = 'GET',
  ) {
    super(`Consul at ${address} answered ${method} ${path} with HTTP ${status}: ${excerpt(body)}. ${httpHint(status)}`);
  }
}

/** Consul answered, but the body or headers are not what this Consul API version promises. */
export class ConsulResponseError extends ConsulError {
  override readonly name = 'ConsulResponseError';
  readonly kind = 'response';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `Consul's answer to GET ${path} cannot be read: ${detail}. The watcher is written against the Consul 1.22 HTTP API; ` +
        `check the agent version (consul version) and that CONSUL_HTTP_ADDR points at Consul and not at a proxy.`,
    );
  }
}

/** A setting handed to the Consul watchers is invalid; raised at construction, never at run time. */
export class ConsulConfigError extends ConsulError {
  override readonly name = 'ConsulConfigError';
  readonly kind = 'config';
  constructor(
    readonly setting: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid ${setting} ${JSON.stringify(value)}: expected ${expected}.`);
  }
}

/** The code consuming a watch threw; reported so that a bug downstream is not mistaken for a Consul outage. */
export class ConsulConsumerError extends ConsulError {
  override readonly name = 'ConsulConsumerError';
  readonly kind = 'consumer';
  constructor(
    readonly watch: string,
    options: { cause: unknown },
  ) {
    const reason = errorMessage(options.cause);
    super(
      `The consumer of the Consul watch ${watch} threw while handling a change: ${reason}. ` +
        `This is a bug in the consumer, not in Consul; the change is delivered again on the next answer from Consul.`,
      options,
    );
  }
}

function excerpt(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ');
  if (text === '') return '(empty body)';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function httpHint(status: number): string {
  if (status === 401 || status === 403) {
    return 'ACLs are enabled: set CONSUL_HTTP_TOKEN to a token with service:read and node:read on the services watched.';
  }
  if (status === 404) return 'This Consul does not serve the endpoint; check the agent version (the watcher expects 1.22).';
  if (status === 429) {
    return (
      "This client address is over the agent's per-client connection limit (`limits { http_max_conns_per_client }`, 200 by default). " +
      "The control plane's catalog watch holds at most 7 connections whatever the size of the catalog (the Connect CA watch adds one, and one per " +
      'leaf certificate while mTLS is on), so other programs on the same address hold the rest, or the limit is set very low: list them with ' +
      '`ss -tn` on the agent host. The watch backs off and retries.'
    );
  }
  if (status >= 500) return 'Consul itself is unhealthy (often: no cluster leader); check the Consul logs. The watch retries with backoff.';
  return 'The request was rejected; check the Consul logs for the reason.';
}

/** The message of anything thrown; duck-typed because errors from another realm fail instanceof Error. */
export function errorMessage(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

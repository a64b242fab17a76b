import { EventEmitter } from 'node:events';
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import Consul from 'consul';
import { ConsulConfigError, ConsulHttpError, ConsulResponseError, ConsulUnreachableError, errorMessage } from './consul-errors';
import type { ConsulRequest, ConsulResponse, ConsulTransport } from './consul-transport';

export interface ConsulClientTransportOptions {
  /** ACL token sent as X-Consul-Token (the caller reads CONSUL_HTTP_TOKEN). */
  token?: string;
  /**
   * The most TCP connections to the agent at once; requests beyond it wait for a free one.
   * Default: no limit. A blocking query holds its connection for the whole wait, so the limit
   * must exceed the number of blocking queries made through this transport.
   */
  maxConnections?: number;
}

/** A request as papi, the HTTP layer of the consul package, takes it (README: `client._request`). */
interface PapiRequest {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: unknown;
  type?: 'json';
  /** Leave the body undecoded: we parse it ourselves, to say what was wrong with it. */
  buffer: true;
  ctx: EventEmitter;
}

interface PapiResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}

/**
 * The consul package's client with papi's documented request method, which its typings leave
 * out. The package has no call for the endpoints we need beyond its own (ACL authorization,
 * intentions, the raw `X-Consul-Index` of any read), so those go through the same client, its
 * connection agent and its error types.
 */
interface ConsulClient {
  _request(request: PapiRequest): Promise<PapiResponse>;
}
class ConsulClient extends Consul {}

/**
 * ConsulTransport over the `consul` npm package, with a keep-alive agent of its own. An
 * http.Agent with maxSockets makes the number of connections a hard bound, and Consul counts
 * connections per client against `http_max_conns_per_client`. The rules of blocking queries
 * (index reset, rate limit, backoff) stay ours, in blocking-query.ts.
 */
export class ConsulClientTransport implements ConsulTransport {
  private readonly agent: HttpAgent;
  private readonly client: ConsulClient;

  constructor(
    readonly address: string,
    private readonly options: ConsulClientTransportOptions = {},
  ) {
    const max = options.maxConnections ?? Infinity;
    if (max !== Infinity && (!Number.isInteger(max) || max < 1)) throw new ConsulConfigError('Consul maxConnections', max, 'an integer >= 1');
    const url = new URL(address);
    const secure = url.protocol === 'https:';
    const settings = { keepAlive: true, maxSockets: max, maxFreeSockets: Number.isFinite(max) ? max : 16 };
    this.agent = secure ? new HttpsAgent(settings) : new HttpAgent(settings);
    this.client = new ConsulClient({ host: url.hostname, port: Number(url.port || (secure ? 443 : 80)), secure, agent: this.agent });
  }

  /** Closes the idle connections (the ones in use close as their requests end). */
  close(): void {
    this.agent.destroy();
  }

  get(request: ConsulRequest): Promise<ConsulResponse> {
    return this.exchange('GET', request, undefined, this.options.token);
  }

  /** A JSON POST made with `token` (someone else's, say, to ask Consul what that token may do). */
  post(request: ConsulRequest, body: unknown, token: string | undefined): Promise<ConsulResponse> {
    return this.exchange('POST', request, body, token);
  }

  private async exchange(method: 'GET' | 'POST', request: ConsulRequest, body: unknown, token: string | undefined): Promise<ConsulResponse> {
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of request.query) {
      const previous = query[key];
      query[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    const search = new URLSearchParams(request.query.map(([key, value]): [string, string] => [key, value])).toString();
    const target = `${request.path}${search ? `?${search}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['x-consul-token'] = token;

    // Our own timer and abort, as a cancel of papi's context: its own timeout is also an idle
    // timeout on the socket, and its abort error does not say which of the two happened.
    const ctx = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctx.emit('cancel');
    }, request.timeoutMs);
    const onStop = (): void => void ctx.emit('cancel');
    request.signal.addEventListener('abort', onStop, { once: true });

    const started = performance.now();
    let response: PapiResponse;
    try {
      if (request.signal.aborted) throw request.signal.reason;
      // papi joins its base path (`/v1`) and ours, which already names the version.
      const path = request.path.replace(/^\/v1(?=\/)/, '');
      response = await this.client._request({ method, path, query, headers, buffer: true, ctx, ...(body === undefined ? {} : { body, type: 'json' }) });
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason;
      const answer = (error as { response?: PapiResponse }).response;
      if (answer !== undefined) throw new ConsulHttpError(this.address, target, answer.statusCode, text(answer.body), method);
      const reason = timedOut ? `no answer within ${request.timeoutMs} ms` : networkReason(error);
      throw new ConsulUnreachableError(this.address, target, reason, { cause: error });
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onStop);
    }
    const raw = text(response.body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConsulResponseError(target, `the body is not JSON (starts with ${JSON.stringify(raw.slice(0, 60))})`);
    }
    const index = response.headers['x-consul-index'];
    return { index: typeof index === 'string' ? index : undefined, body: parsed, durationMs: performance.now() - started };
  }
}

function text(body: Buffer | undefined): string {
  return body === undefined ? '' : body.toString('utf8');
}

/**
 * papi prefixes the socket error's message with its client name, and re-wraps an error from
 * another realm (as under a test runner's sandbox) in a plain Error that keeps only the
 * message; the errno code is what a human acts on, so take it from either.
 */
function networkReason(error: unknown): string {
  const message = errorMessage(error).replace(/^consul: (Error: )?/, '');
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const errno = typeof code === 'string' ? code : /\b(E[A-Z]{3,})\b/.exec(message)?.[1];
  return errno === undefined ? message : `${errno}: ${message}`;
}

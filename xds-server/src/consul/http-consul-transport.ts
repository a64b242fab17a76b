import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { ConsulConfigError, ConsulHttpError, ConsulResponseError, ConsulUnreachableError, errorMessage } from './consul-errors';
import type { ConsulRequest, ConsulResponse, ConsulTransport } from './consul-transport';

export interface HttpConsulTransportOptions {
  /** ACL token sent as X-Consul-Token (the caller reads CONSUL_HTTP_TOKEN). */
  token?: string;
  /**
   * The most TCP connections to the agent at once; requests beyond it wait for a free one.
   * Default: no limit. A blocking query holds its connection for the whole wait, so the limit
   * must exceed the number of blocking queries made through this transport.
   */
  maxConnections?: number;
}

/**
 * ConsulTransport over node:http(s) with a keep-alive agent of its own. Unlike fetch, whose
 * pool opens a new connection whenever none is free at the very moment a request is sent, an
 * http.Agent with maxSockets makes the number of connections a hard bound, and Consul counts
 * connections per client against `http_max_conns_per_client`.
 */
export class HttpConsulTransport implements ConsulTransport {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(
    readonly address: string,
    private readonly options: HttpConsulTransportOptions = {},
  ) {
    const max = options.maxConnections ?? Infinity;
    if (max !== Infinity && (!Number.isInteger(max) || max < 1)) throw new ConsulConfigError('Consul maxConnections', max, 'an integer >= 1');
    this.secure = new URL(address).protocol === 'https:';
    const settings = { keepAlive: true, maxSockets: max, maxFreeSockets: Number.isFinite(max) ? max : 16 };
    this.agent = this.secure ? new HttpsAgent(settings) : new HttpAgent(settings);
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
    return this.exchange('POST', request, JSON.stringify(body), token);
  }

  private async exchange(method: 'GET' | 'POST', request: ConsulRequest, payload: string | undefined, token: string | undefined): Promise<ConsulResponse> {
    const url = new URL(request.path, this.address);
    for (const [key, value] of request.query) url.searchParams.append(key, value);
    const target = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['x-consul-token'] = token;
    if (payload !== undefined) headers['content-type'] = 'application/json';

    const started = performance.now();
    let timedOut = false;
    let status: number;
    let text: string;
    let index: string | undefined;
    try {
      ({ status, text, index } = await new Promise<{ status: number; text: string; index: string | undefined }>((resolve, reject) => {
        const send = this.secure ? httpsRequest : httpRequest;
        const req = send(url, { method, headers, agent: this.agent, signal: request.signal }, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const header = res.headers['x-consul-index'];
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), index: typeof header === 'string' ? header : undefined });
          });
          res.on('error', reject);
        });
        const timer = setTimeout(() => {
          timedOut = true;
          req.destroy(new Error('timeout'));
        }, request.timeoutMs);
        req.on('close', () => clearTimeout(timer));
        req.on('error', reject);
        req.end(payload);
      }));
    } catch (error) {
      if (request.signal.aborted) throw error;
      const reason = timedOut ? `no answer within ${request.timeoutMs} ms` : networkReason(error);
      throw new ConsulUnreachableError(this.address, target, reason, { cause: error });
    }
    if (status < 200 || status > 299) throw new ConsulHttpError(this.address, target, status, text, method);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ConsulResponseError(target, `the body is not JSON (starts with ${JSON.stringify(text.slice(0, 60))})`);
    }
    return { index, body, durationMs: performance.now() - started };
  }
}

function networkReason(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${code}: ${errorMessage(error)}` : errorMessage(error);
}

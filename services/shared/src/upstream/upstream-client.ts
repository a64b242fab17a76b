import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface UpstreamOptions {
  /** The local Envoy's outbound listener. */
  address: string;
  port: number;
  /** Per call, including Envoy's own retries (default 5 s). */
  timeoutMs: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query on the target service, e.g. `/decisions/u-1`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface UpstreamResponse<T> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

/** The call never got an answer from the service: connection refused, timeout, or Envoy found no healthy instance. */
export class UpstreamUnavailableError extends Error {
  constructor(
    readonly service: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${service} is unavailable for ${path}: ${reason}`);
    this.name = 'UpstreamUnavailableError';
  }
}

/** The service answered, with a status the caller did not accept. */
export class UpstreamHttpError extends Error {
  constructor(
    readonly service: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${service} answered ${status} for ${path}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'UpstreamHttpError';
  }
}

/**
 * Calls other services only through the local Envoy sidecar: every request goes to the
 * outbound listener with `Host: <service>`, and Envoy picks the instance, retries and
 * ejects. 5xx answers that Envoy generated itself (`no healthy upstream`, connect
 * failures, overflow, its own timeout) surface as UpstreamUnavailableError.
 */
export class UpstreamClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly options: UpstreamOptions) {}

  async request<T = unknown>(service: string, req: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    return new Promise<UpstreamResponse<T>>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: this.options.address,
          port: this.options.port,
          method: req.method,
          path: req.path,
          agent: this.agent,
          headers: {
            host: service,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
            ...req.headers,
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', (error) => reject(new UpstreamUnavailableError(service, req.path, error.message)));
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = incoming.statusCode ?? 0;
            if (isEnvoyFailure(status, incoming.headers, text)) {
              reject(new UpstreamUnavailableError(service, req.path, `Envoy answered ${status}: ${text.trim() || 'no body'}`));
              return;
            }
            resolve({ status, headers: incoming.headers, body: parseBody(text, incoming.headers) as T });
          });
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code === 'ECONNREFUSED' ? `nothing listens on the outbound listener ${this.options.address}:${this.options.port} (is the sidecar running?)` : error.message;
        reject(new UpstreamUnavailableError(service, req.path, reason));
      });
      outgoing.end(payload);
    });
  }

  /** A request whose status must be one of `accept` (default any 2xx); anything else throws UpstreamHttpError. */
  async call<T = unknown>(service: string, req: UpstreamRequest, accept: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<UpstreamResponse<T>> {
    const response = await this.request<T>(service, req);
    if (!accept(response.status)) throw new UpstreamHttpError(service, req.path, response.status, response.body);
    return response;
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseBody(text: string, headers: IncomingHttpHeaders): unknown {
  if (text === '') return undefined;
  if ((headers['content-type'] ?? '').includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Envoy marks the answers it makes up itself; an app's own 503 carries neither marker. */
function isEnvoyFailure(status: number, headers: IncomingHttpHeaders, text: string): boolean {
  if (status === 503 || status === 504 || status === 502) {
    if (headers['x-envoy-overloaded'] !== undefined) return true;
    if (/^(no healthy upstream|upstream connect error|upstream request timeout|no cluster match)/i.test(text.trim())) return true;
  }
  return status === 404 && headers['server'] === 'envoy' && text === '' && headers['x-envoy-upstream-service-time'] === undefined;
}

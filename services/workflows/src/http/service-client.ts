import { request } from 'node:http';

/** A call through the sidecar that did not produce a 2xx answer. */
export class ServiceCallError extends Error {
  override readonly name = 'ServiceCallError';
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    /** HTTP status, or undefined when no answer came (connection refused, timeout). */
    readonly status: number | undefined,
    readonly body: string,
    /** True when the application answered; false for Envoy's own replies (no route, no healthy upstream). */
    readonly fromApplication: boolean,
    cause?: Error,
  ) {
    super(
      `${method} ${service}${path} via the sidecar: ${status === undefined ? `no answer (${cause?.message ?? 'unknown'})` : `${status} ${body.slice(0, 300)}`}`,
      cause ? { cause } : undefined,
    );
  }

  /** 4xx from the application itself: the request is wrong and retrying cannot help. */
  get rejectedByService(): boolean {
    return this.fromApplication && this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export interface ServiceClientOptions {
  /** The sidecar's outbound listener. */
  outboundHost: string;
  outboundPort: number;
  timeoutMs?: number;
}

/**
 * JSON over HTTP/1.1 to another mesh service, always through this process's own Envoy: the
 * target is chosen by the Host header. (fetch() cannot set Host, so this uses node:http.)
 */
export class ServiceClient {
  constructor(private readonly options: ServiceClientOptions) {}

  post<T>(service: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>('POST', service, path, body, headers);
  }

  get<T>(service: string, path: string, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>('GET', service, path, undefined, headers);
  }

  private call<T>(method: string, service: string, path: string, body: unknown, headers: Record<string, string>): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const timeout = this.options.timeoutMs ?? 10_000;
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: this.options.outboundHost,
          port: this.options.outboundPort,
          method,
          path,
          timeout,
          headers: {
            ...headers,
            host: service,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(new ServiceCallError(service, method, path, undefined, '', false, error)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            // Envoy adds this header only to answers that came from an upstream.
            const fromApplication = res.headers['x-envoy-upstream-service-time'] !== undefined;
            if (status < 200 || status >= 300) {
              reject(new ServiceCallError(service, method, path, status, text, fromApplication));
              return;
            }
            try {
              resolve((text === '' ? undefined : JSON.parse(text)) as T);
            } catch (error) {
              reject(new ServiceCallError(service, method, path, status, `invalid JSON: ${text.slice(0, 100)}`, fromApplication, error as Error));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.on('error', (error) => reject(new ServiceCallError(service, method, path, undefined, '', false, error)));
      req.end(payload);
    });
  }
}

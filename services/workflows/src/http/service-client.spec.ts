import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceCallError, ServiceClient } from './service-client';

/** Stands in for the sidecar's outbound listener: answers per path, records what arrived. */
function sidecar(handler: (req: IncomingMessage, body: string) => { status: number; body?: string; upstream?: boolean }) {
  const seen: Array<{ host: string | undefined; body: string; contentType: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ host: req.headers.host, body, contentType: req.headers['content-type'] });
      const answer = handler(req, body);
      if (answer.upstream !== false) res.setHeader('x-envoy-upstream-service-time', '3');
      res.statusCode = answer.status;
      res.end(answer.body ?? '');
    });
  });
  return new Promise<{ client: ServiceClient; seen: typeof seen; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        client: new ServiceClient({ outboundHost: '127.0.0.1', outboundPort: port, timeoutMs: 2000 }),
        seen,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

describe('ServiceClient', () => {
  it('names the target service in Host and sends JSON', async () => {
    const s = await sidecar(() => ({ status: 200, body: '{"ok":true}' }));
    try {
      await expect(s.client.post('approval', '/eligibility', { userId: 'u1' })).resolves.toEqual({ ok: true });
      expect(s.seen[0]).toEqual({ host: 'approval', body: '{"userId":"u1"}', contentType: 'application/json' });
    } finally {
      await s.close();
    }
  });

  it("treats the application's 4xx as a rejection, and Envoy's own 404 or any 5xx as retryable", async () => {
    const s = await sidecar((req) => {
      if (req.url === '/app-400') return { status: 400, body: '{"message":"bad"}' };
      if (req.url === '/app-429') return { status: 429 };
      if (req.url === '/no-route') return { status: 404, upstream: false };
      return { status: 503, body: 'no healthy upstream', upstream: false };
    });
    const failure = (path: string) => s.client.get('approval', path).then(() => undefined, (e: unknown) => e as ServiceCallError);
    try {
      const rejected = await failure('/app-400');
      expect(rejected).toBeInstanceOf(ServiceCallError);
      expect(rejected?.rejectedByService).toBe(true);
      expect(rejected?.message).toContain('GET approval/app-400 via the sidecar: 400');
      expect((await failure('/app-429'))?.rejectedByService).toBe(false);
      expect((await failure('/no-route'))?.rejectedByService).toBe(false);
      expect((await failure('/down'))?.status).toBe(503);
    } finally {
      await s.close();
    }
  });

  it('reports a refused connection with no status', async () => {
    const s = await sidecar(() => ({ status: 200 }));
    await s.close();
    const error = await s.client.get('approval', '/x').catch((e: unknown) => e as ServiceCallError);
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as ServiceCallError).status).toBeUndefined();
    expect((error as ServiceCallError).rejectedByService).toBe(false);
  });
});

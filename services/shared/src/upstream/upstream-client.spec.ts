import { startHttpStub } from '../testing/http-stub';
import { UpstreamClient, UpstreamHttpError, UpstreamUnavailableError } from './upstream-client';

describe('UpstreamClient', () => {
  it('sends every call to the outbound listener with Host set to the target service', async () => {
    const envoy = await startHttpStub((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ echoed: JSON.parse(req.body || 'null'), host: req.headers.host }));
    });
    const client = new UpstreamClient({ address: '127.0.0.1', port: envoy.port, timeoutMs: 2000 });
    try {
      const response = await client.call<{ echoed: unknown; host: string }>('approval', { method: 'POST', path: '/eligibility', body: { userId: 'u' }, headers: { 'x-request-id': 'r1' } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ echoed: { userId: 'u' }, host: 'approval' });
      expect(envoy.requests[0]).toMatchObject({ method: 'POST', url: '/eligibility' });
      expect(envoy.requests[0]?.headers['x-request-id']).toBe('r1');
    } finally {
      client.close();
      await envoy.close();
    }
  });

  it('treats Envoy-made 503s as unavailable and the app’s own statuses as answers', async () => {
    const envoy = await startHttpStub((req, res) => {
      if (req.url === '/down') {
        res.statusCode = 503;
        res.setHeader('content-type', 'text/plain');
        res.end('no healthy upstream');
      } else {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-envoy-upstream-service-time', '3');
        res.end('{"code":"NOT_FOUND"}');
      }
    });
    const client = new UpstreamClient({ address: '127.0.0.1', port: envoy.port, timeoutMs: 2000 });
    try {
      await expect(client.request('approval', { method: 'GET', path: '/down' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await expect(client.request('approval', { method: 'GET', path: '/decisions/x' })).resolves.toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      await expect(client.call('approval', { method: 'GET', path: '/decisions/x' })).rejects.toBeInstanceOf(UpstreamHttpError);
    } finally {
      client.close();
      await envoy.close();
    }
  });

  it('reports a missing sidecar and a timeout as unavailable', async () => {
    const silent = await startHttpStub(() => undefined);
    const client = new UpstreamClient({ address: '127.0.0.1', port: silent.port, timeoutMs: 100 });
    try {
      await expect(client.request('approval', { method: 'GET', path: '/slow' })).rejects.toThrow(/approval is unavailable for \/slow: no answer within 100 ms/);
    } finally {
      client.close();
      await silent.close();
    }
    const nothing = new UpstreamClient({ address: '127.0.0.1', port: silent.port, timeoutMs: 1000 });
    await expect(nothing.request('approval', { method: 'GET', path: '/x' })).rejects.toThrow(/nothing listens on the outbound listener/);
    nothing.close();
  });
});

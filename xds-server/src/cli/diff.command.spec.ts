import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiffCommandError, proxyDiff } from './diff.command';

/** Serves fixed JSON documents by path, standing in for the admin API and an Envoy admin. */
async function serve(documents: Record<string, { status?: number; body: unknown }>): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const doc = documents[request.url ?? ''];
    response.writeHead(doc?.status ?? (doc ? 200 : 404), { 'content-type': 'application/json' });
    response.end(JSON.stringify(doc?.body ?? { message: `no ${request.url}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('proxyDiff', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('with --envoy-admin, compares the intended resources with that Envoy\'s config_dump', async () => {
    const admin = await serve({ '/ui/api/proxies/user-1/intended': { body: { proxy: 'user-1', resources: [{ type: 'CDS', name: 'auth', value: { name: 'auth', connect_timeout: '1s' } }] } } });
    const envoy = await serve({
      '/config_dump?include_eds': {
        body: { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [{ cluster: { '@type': 'x', name: 'auth', connect_timeout: '2s' } }] }] },
      },
    });
    servers.push(admin.server, envoy.server);
    const report = await proxyDiff(admin.url, 'user-1', envoy.url);
    expect(report).toEqual({ inSync: false, resources: [{ type: 'CDS', name: 'auth', status: 'differs', differences: [{ path: 'connect_timeout', intended: '1s', held: '2s' }] }] });
  });

  it('says what the control plane answered when the proxy is unknown', async () => {
    const admin = await serve({ '/ui/api/proxies/ghost/diff': { status: 404, body: { message: 'no connected proxy has node id "ghost"; connected: user-1' } } });
    servers.push(admin.server);
    await expect(proxyDiff(admin.url, 'ghost', undefined)).rejects.toThrow(new DiffCommandError('the control plane answered 404: no connected proxy has node id "ghost"; connected: user-1'));
  });
});

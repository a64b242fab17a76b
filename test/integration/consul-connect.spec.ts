import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  httpGet,
  ProcessSupervisor,
  serviceTokens,
  startConsul,
  startEnvoy,
  waitFor,
  type ConsulHandle,
  type EnvoyHandle,
} from '@mesh/harness';
import { consulBootstrap, consulConfigWrite, consulGatewayBootstrap, registerWithSidecar } from '../support/consul-connect';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { envoyStat } from '../support/envoy-admin';
import { httpRequest } from '../support/http-request';
import { MeshConfigFile } from '../support/mesh-config-file';
import { suiteRunDir } from '../support/run-dir';

const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');
const DEADLINE = { timeoutMs: 45_000, intervalMs: 200 };

interface Ports {
  apiApp: number;
  apiSidecar: number;
  webApp: number;
  webSidecar: number;
  webUpstream: number;
  webExposed: number;
}

/** api is strict, so web reaches it over mTLS only; web is permissive, so the test can call its public listener in plaintext. */
function meshConfig(p: Ports): string {
  return `import { defineMesh } from '@mesh/xds-server';

const on = { nodes: ['local'] as const, command: 'echo-server' };

export default defineMesh({
  name: 'consul-connect',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  defaults: { mtls: 'strict' },
  services: {
    web: { ...on, port: ${p.webApp}, sidecar: { port: ${p.webSidecar}, adminPort: ${p.webSidecar + 1} }, traffic: { mtls: 'permissive' } },
    api: { ...on, port: ${p.apiApp}, sidecar: { port: ${p.apiSidecar}, adminPort: ${p.apiSidecar + 1} } },
  },
});
`;
}

interface EchoAnswer {
  instance: string;
  xfcc: string | null;
}

describe('Consul Connect registrations and `consul connect envoy -bootstrap`, unchanged, against real Consul and Envoys', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('consul-connect'));
  const config = new MeshConfigFile('consul-connect');
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let trustDomain: string;
  let ports: Ports;
  const envoys: Partial<Record<'web' | 'api', EnvoyHandle>> = {};

  async function sidecar(service: 'web' | 'api', token: string): Promise<EnvoyHandle> {
    const adminPort = await freePort();
    const bootstrap = await consulBootstrap(consul, { sidecarFor: `${service}-1`, xdsPort: controlPlane.xdsPort, adminPort, token });
    const envoy = await startEnvoy(supervisor, { name: `envoy-${service}`, adminPort, bootstrap: () => bootstrap });
    envoys[service] = envoy;
    return envoy;
  }

  beforeAll(async () => {
    ports = { apiApp: await freePort(), apiSidecar: await freePort(), webApp: await freePort(), webSidecar: await freePort(), webUpstream: await freePort(), webExposed: await freePort() };
    config.write(meshConfig(ports));
    consul = await startConsul(supervisor, { acls: true });
    const tokens = serviceTokens(consul)!;
    const management = { 'x-consul-token': consul.managementToken ?? '' };
    trustDomain = (JSON.parse(await httpGet(`${consul.httpAddr}/v1/connect/ca/roots`, 2000, management)) as { TrustDomain: string }).TrustDomain;
    for (const [name, port] of [['api', ports.apiApp], ['web', ports.webApp]] as const) {
      await supervisor.start({ name: `${name}-app`, command: process.execPath, args: [ECHO, `${name}-1`, String(port)], ready: () => httpGet(`http://127.0.0.1:${port}/health`) });
    }
    await registerWithSidecar(consul, { id: 'api-1', name: 'api', port: ports.apiApp, sidecar: { Port: ports.apiSidecar }, token: await tokens('api') });
    await registerWithSidecar(consul, {
      token: await tokens('web'),
      id: 'web-1',
      name: 'web',
      port: ports.webApp,
      sidecar: {
        Port: ports.webSidecar,
        Proxy: {
          Upstreams: [{ DestinationName: 'api', LocalBindPort: ports.webUpstream }],
          Expose: { Paths: [{ Path: '/health', LocalPathPort: ports.webApp, ListenerPort: ports.webExposed }] },
        },
      },
    });
    controlPlane = await startControlPlane(supervisor, consul.httpAddr, undefined, { CONSUL_HTTP_TOKEN: consul.managementToken ?? '' }, config.path);
    await sidecar('api', await tokens('api'));
    await sidecar('web', await tokens('web'));
  });
  afterAll(() => supervisor.stopAll());

  it("answers through web's upstream on its local bind port, by way of api's sidecar, over mTLS", async () => {
    // Consul's "Connect Sidecar Listening" check passes within its 10 s interval of Envoy binding the public port.
    const answer = await waitFor(
      'web reaches api through 127.0.0.1:<upstream port>',
      async () => {
        const result = await httpRequest(`http://127.0.0.1:${ports.webUpstream}/hello`);
        if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.body}`);
        return JSON.parse(result.body) as EchoAnswer;
      },
      DEADLINE,
    );
    expect(answer.instance).toBe('api-1');
    // api's sidecar terminated mTLS and names the verified caller: web's SPIFFE ID.
    expect(answer.xfcc).toContain(`URI=spiffe://${trustDomain}/ns/default/dc/dc1/svc/web`);
    // The endpoint Envoy holds for api is api's sidecar, not its app port.
    const clusters = await httpGet(`${envoys.web!.adminUrl}/clusters`);
    expect(clusters).toContain(`api::127.0.0.1:${ports.apiSidecar}::`);
    expect(clusters).not.toContain(`api::127.0.0.1:${ports.apiApp}::`);
  });

  it("serves web's public listener on the sidecar's registered port, forwarding to the app, and its exposed path", async () => {
    const viaPublic = await waitFor('web answers on its public listener', async () => {
      const result = await httpRequest(`http://127.0.0.1:${ports.webSidecar}/`);
      if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.body}`);
      return JSON.parse(result.body) as EchoAnswer;
    }, DEADLINE);
    expect(viaPublic.instance).toBe('web-1');
    const exposed = await httpRequest(`http://127.0.0.1:${ports.webExposed}/health`);
    expect([exposed.status, exposed.body]).toEqual([200, 'ok']);
    // Only the exposed path is served there.
    expect((await httpRequest(`http://127.0.0.1:${ports.webExposed}/hello`)).status).toBe(404);
  });

  it('sends no cluster for the sidecar services, and no project outbound listener to a Connect sidecar', async () => {
    const dump = JSON.parse(await httpGet(`${envoys.web!.adminUrl}/config_dump?resource=dynamic_active_clusters`)) as { configs: Array<{ cluster: { name: string } }> };
    const names = dump.configs.map((c) => c.cluster.name);
    expect(names).toEqual(expect.arrayContaining(['api', 'web', 'local_app']));
    expect(names.filter((n) => n.endsWith('-sidecar-proxy'))).toEqual([]);
    const listeners = JSON.parse(await httpGet(`${envoys.web!.adminUrl}/config_dump?resource=dynamic_listeners`)) as { configs: Array<{ name: string }> };
    expect(listeners.configs.map((l) => l.name).sort()).toEqual([`exposed_path:${ports.webExposed}`, 'inbound', 'upstream:api']);
  });

  it('serves an ingress gateway from `consul connect envoy -gateway=ingress -register` with its own token: its tcp listener reaches api over mTLS as the caller ingress', async () => {
    const listenerPort = await freePort();
    const entry = join(supervisor.runDir, 'ingress-gateway.json');
    // Consul's default protocol is tcp, so its own validation takes api on a tcp listener only.
    writeFileSync(entry, JSON.stringify({ Kind: 'ingress-gateway', Name: 'ingress', Listeners: [{ Port: listenerPort, Protocol: 'tcp', Services: [{ Name: 'api' }] }] }));
    await consulConfigWrite(consul, entry, consul.managementToken);
    const adminPort = await freePort();
    const token = await serviceTokens(consul)!('ingress');
    const bootstrap = await consulGatewayBootstrap(consul, { kind: 'ingress', service: 'ingress', address: `127.0.0.1:${await freePort()}`, xdsPort: controlPlane.xdsPort, adminPort, token });
    const gateway = await startEnvoy(supervisor, { name: 'envoy-ingress', adminPort, bootstrap: () => bootstrap });
    const answer = await waitFor('api answers through the ingress listener', async () => {
      const result = await httpRequest(`http://127.0.0.1:${listenerPort}/hello`);
      if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.body}`);
      return JSON.parse(result.body) as EchoAnswer;
    }, DEADLINE);
    expect(answer.instance).toBe('api-1');
    expect(answer.xfcc).toContain(`URI=spiffe://${trustDomain}/ns/default/dc/dc1/svc/ingress`);
    const listeners = JSON.parse(await httpGet(`${gateway.adminUrl}/config_dump?resource=dynamic_listeners`)) as { configs: Array<{ name: string }> };
    expect(listeners.configs.map((l) => l.name)).toEqual([`api:127.0.0.1:${listenerPort}`]);
  });

  it("is refused without the sidecar's token: the bootstrap's x-consul-token is what authenticates it", async () => {
    const adminPort = await freePort();
    const bootstrap = (await consulBootstrap(consul, { sidecarFor: 'web-1', xdsPort: controlPlane.xdsPort, adminPort, token: await serviceTokens(consul)!('web') })) as {
      dynamic_resources: { ads_config: { grpc_services: { initial_metadata: Array<{ key: string; value: string }> } } };
    };
    bootstrap.dynamic_resources.ads_config.grpc_services.initial_metadata = [{ key: 'x-consul-token', value: '' }];
    const envoy = await startEnvoy(supervisor, { name: 'envoy-web-tokenless', adminPort, bootstrap: () => bootstrap, until: 'admin' });
    // Envoy logs each ADS stream the control plane ends with its gRPC status (16: UNAUTHENTICATED) and reason.
    const closed = await waitFor('the tokenless stream is refused', async () => /DeltaAggregatedResources gRPC config stream to local_agent closed: 16, (.*)/.exec(readFileSync(envoy.process.logFile, 'utf8'))?.[1], DEADLINE);
    expect(decodeURIComponent(closed)).toMatch(/no x-consul-token: a proxy for "web" must send a token with service:write/);
    expect(await envoyStat(envoy.adminUrl, 'control_plane.connected_state')).toBe(0);
    const listeners = JSON.parse(await httpGet(`${envoy.adminUrl}/config_dump?resource=dynamic_listeners`)) as { configs?: unknown[] };
    expect(listeners.configs ?? []).toEqual([]);
    await envoy.process.stop();
  });
});

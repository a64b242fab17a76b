import { join } from 'node:path';
import {
  adsBootstrap,
  freePort,
  httpGet,
  ProcessSupervisor,
  startConsul,
  startEnvoy,
  waitFor,
  type ConsulHandle,
  type EnvoyHandle,
} from '@mesh/harness';
import { deregisterService, registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { clusterHosts } from '../support/envoy-admin';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';

const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');

/** GET through the sidecar's outbound listener with a Host header; resolves with the JSON body. */
async function viaEnvoy(outboundPort: number, host: string): Promise<{ instance: string }> {
  const response = await httpRequest(`http://127.0.0.1:${outboundPort}/hello`, { headers: { host } });
  if (response.status !== 200) throw new Error(`Host ${host}: ${response.status} ${response.body}`);
  return JSON.parse(response.body) as { instance: string };
}

const VARIANTS = [
  { name: 'ADS GRPC', apiType: 'GRPC', perTypeServices: false },
  { name: 'ADS DELTA_GRPC', apiType: 'DELTA_GRPC', perTypeServices: false },
  { name: 'per-type services (no ADS), GRPC', apiType: 'GRPC', perTypeServices: true },
] as const;

describe.each(VARIANTS)('xDS to a real Envoy over $name', ({ name, apiType, perTypeServices }) => {
  const supervisor = new ProcessSupervisor(suiteRunDir(`xds-envoy-${name.replace(/\W+/g, '-').toLowerCase()}`));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let envoy: EnvoyHandle;
  let outboundPort: number;
  const echoPorts: number[] = [];

  async function startEcho(name: string): Promise<number> {
    const port = await freePort();
    await supervisor.start({
      name: `echo-${name}`,
      command: process.execPath,
      args: [ECHO, name, String(port)],
      ready: () => httpGet(`http://127.0.0.1:${port}/health`),
    });
    return port;
  }

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    for (const name of ['a', 'b']) {
      const port = await startEcho(name);
      echoPorts.push(port);
      await registerService(consul.httpAddr, { id: `echo-${name}`, name: 'echo', port, httpCheck: `http://127.0.0.1:${port}/health` });
    }
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    outboundPort = await freePort();
    envoy = await startEnvoy(supervisor, {
      name: 'envoy-client',
      bootstrap: (adminPort) =>
        adsBootstrap(
          {
            nodeId: 'client-1',
            service: 'client',
            xdsAddress: '127.0.0.1',
            xdsPort: controlPlane.xdsPort,
            apiType,
            perTypeServices,
            metadata: { outbound_port: outboundPort },
          },
          adminPort,
        ),
    });
  });
  afterAll(() => supervisor.stopAll());

  it('routes Host: echo (with and without a port, and as echo.service.consul) to both healthy instances', async () => {
    const seen = new Set<string>();
    await waitFor(
      'responses from both echo instances',
      async () => {
        seen.add((await viaEnvoy(outboundPort, 'echo')).instance);
        return seen.size === 2;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect([...seen].sort()).toEqual(['a', 'b']);
    expect(['a', 'b']).toContain((await viaEnvoy(outboundPort, 'echo:8080')).instance);
    expect(['a', 'b']).toContain((await viaEnvoy(outboundPort, 'echo.service.consul')).instance);
    expect(['a', 'b']).toContain((await viaEnvoy(outboundPort, 'echo.service.consul:80')).instance);
  });

  it('removes an instance whose health check fails, and one that is deregistered', async () => {
    const [portA, portB] = echoPorts as [number, number];
    expect(await clusterHosts(envoy.adminUrl, 'echo')).toEqual([`127.0.0.1:${portA}`, `127.0.0.1:${portB}`].sort());

    await fetch(`http://127.0.0.1:${portB}/admin/health/fail`, { method: 'POST' });
    const failedAt = Date.now();
    await waitFor('b gone from /clusters', async () => (await clusterHosts(envoy.adminUrl, 'echo')).join() === `127.0.0.1:${portA}`, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    console.log(`[${name}] failed check -> Envoy /clusters: ${Date.now() - failedAt} ms (includes Consul's 1 s check interval)`);

    await fetch(`http://127.0.0.1:${portB}/admin/health/pass`, { method: 'POST' });
    await waitFor('b back', async () => (await clusterHosts(envoy.adminUrl, 'echo')).length === 2, { timeoutMs: 15_000, intervalMs: 20 });

    const deregisteredAt = Date.now();
    await deregisterService(consul.httpAddr, 'echo-b');
    await waitFor('b deregistered', async () => (await clusterHosts(envoy.adminUrl, 'echo')).join() === `127.0.0.1:${portA}`, {
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    console.log(`[${name}] deregistration -> Envoy /clusters: ${Date.now() - deregisteredAt} ms`);
    const instances = new Set<string>();
    for (let i = 0; i < 10; i++) instances.add((await viaEnvoy(outboundPort, 'echo')).instance);
    expect([...instances]).toEqual(['a']);
  });

  it('makes a service registered after Envoy connected routable without restarting Envoy', async () => {
    const pidBefore = envoy.process.pid;
    const port = await startEcho('late');
    await registerService(consul.httpAddr, { id: 'late-1', name: 'late', port, httpCheck: `http://127.0.0.1:${port}/health` });
    const reply = await waitFor('late routable', async () => (await viaEnvoy(outboundPort, 'late')).instance, { timeoutMs: 20_000, intervalMs: 50 });
    expect(reply).toBe('late');
    expect(envoy.process.pid).toBe(pidBefore);
    expect(envoy.process.running).toBe(true);
  });
});

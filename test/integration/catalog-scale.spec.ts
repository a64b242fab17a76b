import { httpGet, ProcessSupervisor, sampleTcpConnections, startConsul, waitFor, type ConsulHandle } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { suiteRunDir } from '../support/run-dir';
import { health } from '../support/xds-admin';

// Three times the 200 connections per client that a default Consul agent allows (consul/dev.hcl
// keeps the default): the control plane must follow it over a few connections, not one per service.
const SERVICES = 600;
// 8 for the catalog (its two blocking queries and the health reads between them) and one blocking
// query per config-entry kind (5).
const MAX_CONNECTIONS = 13;
const DEADLINE = { timeoutMs: 30_000, intervalMs: 25 };

type Routes = Array<{ service: string; endpoints: string[] }>;

describe("a catalog three times Consul's default per-client connection limit", () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('catalog-scale'));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let connections: ReturnType<typeof sampleTcpConnections>;

  afterAll(async () => {
    connections?.stop();
    await supervisor.stopAll();
  });

  async function put(path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${consul.httpAddr}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`PUT ${path} -> ${response.status} ${await response.text()}`);
  }

  async function routes(): Promise<Routes> {
    return (JSON.parse(await httpGet(`${controlPlane.adminUrl}/info/routes`)) as { services: Routes }).services;
  }

  function untilEndpoints(what: string, service: string, check: (endpoints: string[]) => boolean): Promise<string[]> {
    return waitFor(
      what,
      async () => {
        const endpoints = (await routes()).find((r) => r.service === service)?.endpoints ?? [];
        if (check(endpoints)) return endpoints;
        throw new Error(`${service}: ${JSON.stringify(endpoints)}`);
      },
      DEADLINE,
    );
  }

  it(`watches all ${SERVICES} services on a default agent and reports UP`, async () => {
    consul = await startConsul(supervisor);
    for (let batch = 0; batch < SERVICES; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => registerService(consul.httpAddr, { id: `svc-${batch + i}`, name: `svc-${batch + i}`, port: 10_000 + batch + i })),
      );
    }
    // Sampled from the spawn on, so the start-up read of every service is counted too.
    connections = sampleTcpConnections(() => supervisor.running.find((p) => p.name === 'xds-server')?.pid, consul.ports.http, 10);
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    const listed = await waitFor(
      `all ${SERVICES} services in /info/routes`,
      async () => {
        const all = await routes();
        return all.length >= SERVICES ? all : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(listed).toHaveLength(SERVICES);
    expect(await health(controlPlane.adminUrl)).toMatchObject({ status: 'UP' });
  });

  it('shows a new instance with a check, its failing check, and its deregistration in /info/routes', async () => {
    await put('/v1/agent/service/register', {
      ID: 'svc-7-b',
      Name: 'svc-7',
      Address: '127.0.0.1',
      Port: 20_007,
      Check: { CheckID: 'svc-7-b-ttl', Name: 'ttl', TTL: '10m', Status: 'passing' },
    });
    await untilEndpoints('svc-7-b routed', 'svc-7', (e) => e.includes('127.0.0.1:20007'));
    await put('/v1/agent/check/fail/svc-7-b-ttl');
    await untilEndpoints('svc-7-b removed once critical', 'svc-7', (e) => !e.includes('127.0.0.1:20007') && e.length === 1);
    await put('/v1/agent/check/pass/svc-7-b-ttl');
    await untilEndpoints('svc-7-b back', 'svc-7', (e) => e.includes('127.0.0.1:20007'));
    await put('/v1/agent/service/deregister/svc-7-b');
    await untilEndpoints('svc-7-b gone', 'svc-7', (e) => e.length === 1);
  });

  it('finds an instance registered without any check, which only the services table shows', async () => {
    await registerService(consul.httpAddr, { id: 'svc-8-b', name: 'svc-8', port: 20_008 });
    await untilEndpoints('svc-8-b routed', 'svc-8', (e) => e.includes('127.0.0.1:20008'));
    expect(await health(controlPlane.adminUrl)).toMatchObject({ status: 'UP' });
  });

  it(`never held more than ${MAX_CONNECTIONS} connections to the agent`, () => {
    connections.stop();
    expect(connections.samples).toBeGreaterThan(10);
    // At least the two blocking queries were seen, so the sampler did see the process.
    expect(connections.max).toBeGreaterThanOrEqual(2);
    expect(connections.max).toBeLessThanOrEqual(MAX_CONNECTIONS);
  });
});

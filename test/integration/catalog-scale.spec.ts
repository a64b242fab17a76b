import { ProcessSupervisor, startConsul, waitFor } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane } from '../support/control-plane';
import { suiteRunDir } from '../support/run-dir';
import { health } from '../support/xds-admin';
import { httpGet } from '@mesh/harness';

// Above the 200 connections per client a default Consul agent allows: the control plane
// holds one blocking query per service, so the agent config (consul/dev.hcl) must lift it.
const SERVICES = 300;

describe('a catalog larger than Consul\'s default per-client connection limit', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('catalog-scale'));
  afterAll(() => supervisor.stopAll());

  it(`watches all ${SERVICES} services and reports UP`, async () => {
    const consul = await startConsul(supervisor);
    for (let batch = 0; batch < SERVICES; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => registerService(consul.httpAddr, { id: `svc-${batch + i}`, name: `svc-${batch + i}`, port: 10_000 + batch + i })),
      );
    }
    const controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    const routes = await waitFor(
      `all ${SERVICES} services in /info/routes`,
      async () => {
        const listed = (JSON.parse(await httpGet(`${controlPlane.adminUrl}/info/routes`)) as { services: unknown[] }).services;
        return listed.length >= SERVICES ? listed : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(routes).toHaveLength(SERVICES);
    expect((await health(controlPlane.adminUrl)).status).toBe('UP');
  });
});

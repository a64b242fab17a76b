import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adsBootstrap, freePort, httpGet, ProcessSupervisor, repoRoot, startConsul, startEnvoy, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { dynamicRouteConfigs } from '../support/envoy-admin';
import { MeshConfigFile } from '../support/mesh-config-file';
import { suiteRunDir } from '../support/run-dir';
import { health, metric } from '../support/xds-admin';

const run = promisify(execFile);
const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');

/** Two services: `client` calls `echo`, whose retry count and first upstream name vary per test. */
function meshSource({ numRetries, upstream = 'echo' }: { numRetries: number; upstream?: string }): string {
  return `import { defineMesh } from '@mesh/xds-server';

export default defineMesh({
  name: 'reload',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  services: {
    client: { nodes: ['local'], command: 'client', port: 7001, sidecar: { port: 7101, adminPort: 7201 }, upstreams: ['${upstream}'] },
    echo: {
      nodes: ['local'],
      command: 'echo',
      port: 7002,
      sidecar: { port: 7102, adminPort: 7202 },
      traffic: { retries: { retryOn: ['5xx'], numRetries: ${numRetries} } },
    },
  },
});
`;
}

/** num_retries of the catch-all route to echo, as Envoy holds it. */
async function echoRetries(adminUrl: string): Promise<number | undefined> {
  const echo = (await dynamicRouteConfigs(adminUrl)).find((r) => r.name === 'upstream:echo');
  const routes = echo?.virtual_hosts?.find((v) => v.name === 'echo')?.routes ?? [];
  const retry = routes.at(-1)?.route?.retry_policy as { num_retries?: number } | undefined;
  return retry?.num_retries;
}

describe('mesh.config.ts hot reload, real Consul and Envoy', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('config-reload'));
  const config = new MeshConfigFile('reload');
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let envoy: EnvoyHandle;

  beforeAll(async () => {
    config.write(meshSource({ numRetries: 2 }));
    consul = await startConsul(supervisor);
    const echoPort = await freePort();
    await supervisor.start({ name: 'echo', command: process.execPath, args: [ECHO, 'a', String(echoPort)], ready: () => httpGet(`http://127.0.0.1:${echoPort}/health`) });
    await registerService(consul.httpAddr, { id: 'echo-a', name: 'echo', port: echoPort });
    controlPlane = await startControlPlane(supervisor, consul.httpAddr, undefined, {}, config.path);
    const outboundPort = await freePort();
    envoy = await startEnvoy(supervisor, {
      name: 'envoy-client',
      bootstrap: (adminPort) =>
        adsBootstrap({ nodeId: 'client-1', service: 'client', xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType: 'GRPC', metadata: { outbound_port: outboundPort } }, adminPort),
    });
    await waitFor('the first config in Envoy', async () => (await echoRetries(envoy.adminUrl)) === 2, { timeoutMs: 30_000 });
  });
  afterAll(() => supervisor.stopAll());

  it('applies a valid edit in Envoy within 2 s, pushing routes but not clusters', async () => {
    const cdsPushes = await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'CDS' });
    const rdsPushes = await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'RDS' });
    const savedAt = Date.now();
    config.write(meshSource({ numRetries: 4 }));
    await waitFor('num_retries 4 in /config_dump', async () => (await echoRetries(envoy.adminUrl)) === 4, { timeoutMs: 2_000, intervalMs: 20 });
    process.stderr.write(`config edit visible in Envoy's /config_dump after ${Date.now() - savedAt} ms\n`);

    expect(await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'RDS' })).toBeGreaterThan(rdsPushes);
    expect(await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'CDS' })).toBe(cdsPushes);
    expect((await health(controlPlane.adminUrl)).status).toBe('UP');
  });

  it('rejects an invalid edit, keeps serving the last good config, and says why in /health and `mesh status`', async () => {
    const rejected = await metric(controlPlane.adminUrl, 'mesh_config_reloads_total', { result: 'rejected' });
    config.write(meshSource({ numRetries: 5, upstream: 'echoo' }));
    const error = 'services.client.upstreams[0]: unknown service "echoo" (did you mean "echo"?)';

    const degraded = await waitFor(
      '/health reporting the rejected config',
      async () => {
        const h = await health(controlPlane.adminUrl);
        return h.status === 'DEGRADED' ? h : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(degraded.reason).toContain(error);
    expect(degraded.reason).toContain('serving the last good config');
    expect(await metric(controlPlane.adminUrl, 'mesh_config_reloads_total', { result: 'rejected' })).toBe(rejected + 1);

    const { stdout } = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(stdout).toContain('REJECTED');
    expect(stdout).toContain(error);
    expect(await echoRetries(envoy.adminUrl)).toBe(4);

    config.write(meshSource({ numRetries: 3 }));
    await waitFor('the fixed config in Envoy', async () => (await echoRetries(envoy.adminUrl)) === 3, { timeoutMs: 10_000 });
    await waitFor('/health UP again', async () => (await health(controlPlane.adminUrl)).status === 'UP', { timeoutMs: 5_000 });
  });

  it('refuses to start on an invalid config, naming the file and the field', async () => {
    const broken = new MeshConfigFile('broken');
    broken.write(meshSource({ numRetries: 1, upstream: 'nope' }));
    await expect(startControlPlane(supervisor, consul.httpAddr, undefined, {}, broken.path)).rejects.toThrow(
      /mesh\.config\.ts:\d+:\d+ services\.client\.upstreams\[0\]: unknown service "nope"/,
    );
  });
});

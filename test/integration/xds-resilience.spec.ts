import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  adsBootstrap,
  freePort,
  httpGet,
  ProcessSupervisor,
  repoRoot,
  startConsul,
  startEnvoy,
  waitFor,
  type ConsulHandle,
  type EnvoyHandle,
} from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { clusterHosts, envoyStat } from '../support/envoy-admin';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';
import { health, metric, proxy } from '../support/xds-admin';

const run = promisify(execFile);
const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');
const NODE_ID = 'client-1';

describe.each(['GRPC', 'DELTA_GRPC'] as const)('control plane resilience, Envoy on ADS %s', (apiType) => {
  const supervisor = new ProcessSupervisor(suiteRunDir(`xds-resilience-${apiType.toLowerCase()}`));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let envoy: EnvoyHandle;
  let outboundPort: number;
  let echoPort: number;

  const echoStatus = async () => (await httpRequest(`http://127.0.0.1:${outboundPort}/`, { headers: { host: 'echo' } })).status;
  // No health check: under load a 1 s check can time out, and these tests are about the
  // control plane's own failures, not the upstream's.
  const registerEcho = () => registerService(consul.httpAddr, { id: 'echo-a', name: 'echo', port: echoPort });
  const startXds = (ports?: { xds: number; admin: number }) =>
    startControlPlane(supervisor, consul.httpAddr, ports, { MESH_XDS_TEST_HOOKS: '1' });

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    echoPort = await freePort();
    await supervisor.start({
      name: 'echo-a',
      command: process.execPath,
      args: [ECHO, 'a', String(echoPort)],
      ready: () => httpGet(`http://127.0.0.1:${echoPort}/health`),
    });
    await registerEcho();
    controlPlane = await startXds();
    outboundPort = await freePort();
    envoy = await startEnvoy(supervisor, {
      name: 'envoy-client',
      bootstrap: (adminPort) =>
        adsBootstrap(
          { nodeId: NODE_ID, service: 'client', xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType, metadata: { outbound_port: outboundPort } },
          adminPort,
        ),
    });
    await waitFor('echo routable', async () => (await echoStatus()) === 200, { timeoutMs: 30_000, intervalMs: 50 });
  });
  afterAll(() => supervisor.stopAll());

  it('records a NACK in /info, `mesh status` and the metrics, and does not resend the rejected content', async () => {
    const pushesBefore = await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'EDS' });
    await fetch(`${controlPlane.adminUrl}/test-hooks/invalid-service/broken`, { method: 'POST' });

    const eds = await waitFor(
      'EDS NACKED in /info',
      async () => {
        const types = (await proxy(controlPlane.adminUrl, NODE_ID))?.types;
        return types?.EDS?.status === 'NACKED' ? types.EDS : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(eds.lastNack?.resources).toContain('broken');
    expect(eds.lastNack?.error).toMatch(/weight|validation/i);

    const status = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(status.stdout).toMatch(new RegExp(`${NODE_ID}.*NACKED`));
    expect(status.stdout).toContain(`${NODE_ID} rejected EDS`);
    expect(await metric(controlPlane.adminUrl, 'mesh_xds_nacks_total', { type: 'EDS' })).toBeGreaterThanOrEqual(1);

    // Watch the push counter for two seconds: a resend loop would show within milliseconds.
    const pushesAfterNack = await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'EDS' });
    expect(pushesAfterNack - pushesBefore).toBeLessThanOrEqual(2);
    const watchUntil = Date.now() + 2000;
    while (Date.now() < watchUntil) {
      expect(await metric(controlPlane.adminUrl, 'mesh_xds_pushes_total', { type: 'EDS' })).toBe(pushesAfterNack);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The rest of the configuration keeps working.
    expect(await echoStatus()).toBe(200);

    await fetch(`${controlPlane.adminUrl}/test-hooks/invalid-service/broken`, { method: 'DELETE' });
    await waitFor('EDS SYNCED again', async () => (await proxy(controlPlane.adminUrl, NODE_ID))?.types.EDS?.status === 'SYNCED', {
      timeoutMs: 15_000,
    });
  });

  it('after a NACK of a response with a bad and a good resource, the good one reaches Envoy once the bad one is fixed', async () => {
    await fetch(`${controlPlane.adminUrl}/test-hooks/invalid-service/broken?alongside=fresh&port=${echoPort}`, { method: 'POST' });
    const nack = await waitFor(
      'one EDS NACK naming both resources',
      async () => {
        const eds = (await proxy(controlPlane.adminUrl, NODE_ID))?.types.EDS;
        return eds?.status === 'NACKED' && eds.lastNack?.resources.includes('broken') ? eds.lastNack : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(nack.resources).toEqual(expect.arrayContaining(['broken', 'fresh']));
    const attemptsBefore = await envoyStat(envoy.adminUrl, 'cluster.fresh.update_attempt');

    // Fixing the bad resource is a change: the next response carries what differs from the
    // last ACKed state, the good resource included, and Envoy takes it.
    await fetch(`${controlPlane.adminUrl}/test-hooks/invalid-service/broken`, { method: 'DELETE' });
    await waitFor('EDS SYNCED again', async () => (await proxy(controlPlane.adminUrl, NODE_ID))?.types.EDS?.status === 'SYNCED', { timeoutMs: 15_000 });
    await waitFor('fresh resent to Envoy', async () => (await envoyStat(envoy.adminUrl, 'cluster.fresh.update_attempt')) > attemptsBefore, { timeoutMs: 15_000 });
    expect(await clusterHosts(envoy.adminUrl, 'fresh')).toEqual([`127.0.0.1:${echoPort}`]);
    await waitFor('fresh answers through Envoy', async () => (await httpRequest(`http://127.0.0.1:${outboundPort}/`, { headers: { host: 'fresh' } })).status === 200, {
      timeoutMs: 15_000,
    });
    await fetch(`${controlPlane.adminUrl}/test-hooks/invalid-service/fresh`, { method: 'DELETE' });
  });

  const synced = async () => {
    const info = await proxy(controlPlane.adminUrl, NODE_ID);
    const types = Object.values(info?.types ?? {});
    return types.length >= 5 && types.every((t) => t.status === 'SYNCED') ? info : undefined;
  };

  it('keeps healthy upstreams answering without 5xx while the control plane restarts, then converges', async () => {
    const before = await waitFor('proxy synced before the restart', synced, { timeoutMs: 15_000 });
    const statuses = new Map<number, number>();
    let running = true;
    const traffic = (async () => {
      while (running) {
        const code = await echoStatus().catch(() => 0);
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const ports = { xds: controlPlane.xdsPort, admin: Number(new URL(controlPlane.adminUrl).port) };
    await controlPlane.process.stop();
    controlPlane = await startXds(ports);
    const after = await waitFor('proxy reconnected and synced', synced, { timeoutMs: 30_000, intervalMs: 100 });
    running = false;
    await traffic;

    // Status 0 counts requests that failed outright (connection refused or timed out).
    expect({ statuses: Object.fromEntries(statuses) }).toEqual({ statuses: { 200: expect.any(Number) } });
    expect(statuses.get(200)).toBeGreaterThan(20);
    // Versions are content hashes: the same content gets the same version from any process.
    // Compared for the full-state types, whose last response always names the whole current
    // content; a per-name type keeps the version of its last response, and the earlier tests
    // removed a service after it without a response being due.
    for (const type of ['CDS', 'LDS', 'SRDS'] as const) {
      expect([type, before.types[type]?.acked]).toEqual([type, expect.any(String)]);
      expect([type, after.types[type]?.acked]).toEqual([type, before.types[type]?.acked]);
    }
  });

  it('serves the last known config while Consul is down, reports DEGRADED, and resumes when it is back', async () => {
    const configBefore = await clusterHosts(envoy.adminUrl, 'echo');
    await consul.process.stop();
    const degraded = await waitFor('DEGRADED', async () => {
      const h = await health(controlPlane.adminUrl);
      return h.status === 'DEGRADED' ? h : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(degraded.reason).toContain('Consul unreachable');
    expect(await clusterHosts(envoy.adminUrl, 'echo')).toEqual(configBefore);
    expect(await echoStatus()).toBe(200);

    consul = await startConsul(supervisor, { ports: consul.ports });
    // A dev agent starts empty; agents re-register their services the same way after a restart.
    await registerEcho();
    const laterPort = await freePort();
    await registerService(consul.httpAddr, { id: 'later-1', name: 'later', port: laterPort });
    await waitFor('UP again', async () => (await health(controlPlane.adminUrl)).status === 'UP', { timeoutMs: 30_000, intervalMs: 100 });
    await waitFor('new service reaches Envoy', async () => (await clusterHosts(envoy.adminUrl, 'later')).includes(`127.0.0.1:${laterPort}`), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
  });
});

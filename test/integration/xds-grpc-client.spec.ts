import { join } from 'node:path';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import { freePort, ProcessSupervisor, startConsul, waitFor, type ConsulHandle } from '@mesh/harness';
import { deregisterService, registerService } from '../support/consul-api';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { echoClient, say, type EchoClient } from '../support/grpc-echo';
import { unrefLongTimers } from '../support/long-timers';
import { suiteRunDir } from '../support/run-dir';

const GRPC_ECHO = join(__dirname, '..', 'fixtures', 'grpc-echo-server.mjs');
const SERVICE = 'echo-grpc';

/** The instance names that answered `calls` consecutive calls, sorted. */
async function answering(client: EchoClient, calls: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < calls; i++) seen.add(await say(client));
  return [...seen].sort();
}

/** The error message of a call that fails, or false while calls still succeed. */
function failedCall(client: EchoClient): Promise<string | false> {
  return say(client).then(
    () => false,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

// grpc-js-xds keeps one xDS client per process (its bootstrap is read once), so the whole
// scenario shares one control plane and one ADS stream.
describe('a proxyless @grpc/grpc-js-xds client over ADS', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('xds-grpc-client'));
  const clients: EchoClient[] = [];
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let client: EchoClient;
  let restoreTimers: (() => void) | undefined;

  /** Starts an echo instance and registers it in Consul as a gRPC service with a gRPC health check. */
  async function startInstance(name: string): Promise<void> {
    const port = await freePort();
    const direct = echoClient(`127.0.0.1:${port}`);
    clients.push(direct);
    await supervisor.start({ name: `grpc-echo-${name}`, command: process.execPath, args: [GRPC_ECHO, name, String(port)], ready: () => say(direct) });
    direct.close();
    await registerService(consul.httpAddr, { id: `${SERVICE}-${name}`, name: SERVICE, port, meta: { protocol: 'grpc' }, grpcCheck: `127.0.0.1:${port}` });
  }

  beforeAll(async () => {
    consul = await startConsul(supervisor);
    await startInstance('a');
    await startInstance('b');
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    // Read by grpc-js-xds when the first xds: channel resolves, so it must be set before that.
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${controlPlane.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'grpc-client-1', cluster: 'grpc-client', locality: {} },
    });
    restoreTimers = unrefLongTimers(60_000);
    registerXdsResolver();
    client = echoClient(`xds:///${SERVICE}`);
    clients.push(client);
  });

  afterAll(async () => {
    // Channels first: an open xds: channel keeps its ADS stream and timers alive.
    for (const c of clients) c.close();
    restoreTimers?.();
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    await supervisor.stopAll();
  });

  it('reaches both healthy instances through xds:///<service>, and through xds:///<service>:<port>', async () => {
    const seen = new Set<string>();
    await waitFor(
      'calls answered by both a and b',
      async () => {
        seen.add(await say(client));
        return seen.size === 2;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect([...seen].sort()).toEqual(['a', 'b']);

    const withPort = echoClient(`xds:///${SERVICE}:50051`);
    clients.push(withPort);
    await waitFor('xds:///<service>:50051 answered by both a and b', async () => (await answering(withPort, 4)).join() === 'a,b', {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
  });

  it('stops calling an instance once it is deregistered from Consul', async () => {
    const deregisteredAt = Date.now();
    await deregisterService(consul.httpAddr, `${SERVICE}-b`);
    // b keeps running, so only the control plane's update can make its answers stop.
    await waitFor('only a answering', async () => (await answering(client, 10)).join() === 'a', { timeoutMs: 15_000, intervalMs: 20 });
    console.log(`deregistration -> grpc-js-xds client: ${Date.now() - deregisteredAt} ms`);
    expect(await answering(client, 20)).toEqual(['a']);
  });

  it('starts calling an instance registered after the client connected', async () => {
    await startInstance('c');
    const registeredAt = Date.now();
    const seen = new Set<string>();
    await waitFor(
      'calls answered by the new instance c',
      async () => {
        seen.add(await say(client));
        return seen.has('c');
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    console.log(`registration -> grpc-js-xds client (includes Consul's first gRPC health check): ${Date.now() - registeredAt} ms`);
    await waitFor('a and c both answering', async () => (await answering(client, 10)).join() === 'a,c', { timeoutMs: 10_000, intervalMs: 20 });
  });

  it('fails calls while the service has no instances, and recovers when one registers again', async () => {
    // Consul then drops the service from its catalog; the client must not lose track of it.
    await deregisterService(consul.httpAddr, `${SERVICE}-a`);
    await deregisterService(consul.httpAddr, `${SERVICE}-c`);
    const failure = await waitFor('calls failing once the service has no instances', () => failedCall(client), { timeoutMs: 15_000, intervalMs: 20 });
    expect(failure).toContain(': 14 '); // UNAVAILABLE

    await startInstance('d');
    const instance = await waitFor('calls answered by the new instance d', () => say(client), { timeoutMs: 20_000, intervalMs: 50 });
    expect(instance).toBe('d');
    expect(await answering(client, 10)).toEqual(['d']);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { adsBootstrap, createServiceToken, freePort, ProcessSupervisor, startConsul, startEnvoy, toolBin, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { clusterHosts, envoyStat } from '../support/envoy-admin';
import { rawAds } from '../support/raw-ads';
import { registerService } from '../support/consul-api';
import { suiteRunDir } from '../support/run-dir';
import { health, proxy } from '../support/xds-admin';

const run = promisify(execFile);
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const SDS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
// Far longer than the suite: a revoked token's stream must be closed by the ACL watch, not by the interval.
const RECHECK_SECONDS = 600;

/** Registers with the management token: with default deny, nothing else may. */
const register = (consul: ConsulHandle, name: string, port: number) =>
  registerService(consul.httpAddr, { id: `${name}-1`, name, port, token: consul.managementToken ?? '' });

describe('authenticated xDS streams, Consul with ACLs on (default deny)', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('xds-auth'));
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let approvalToken: { secretId: string; accessorId: string };
  let userToken: { secretId: string; accessorId: string };
  const target = () => `127.0.0.1:${controlPlane.xdsPort}`;
  const claim = (cluster: string, typeUrl: string, names: string[] = []) => [{ node: { id: `attacker-${cluster}`, cluster }, type_url: typeUrl, resource_names: names }];

  beforeAll(async () => {
    consul = await startConsul(supervisor, { acls: true });
    [approvalToken, userToken] = await Promise.all([createServiceToken(consul, 'approval'), createServiceToken(consul, 'user')]);
    await register(consul, 'approval', await freePort());
    await register(consul, 'user', await freePort());
    controlPlane = await startControlPlane(supervisor, consul.httpAddr, undefined, {
      CONSUL_HTTP_TOKEN: consul.managementToken ?? '',
      MESH_ACL_RECHECK_SECONDS: String(RECHECK_SECONDS),
    });
  });
  afterAll(() => supervisor.stopAll());

  it('ends a stream without a token before it receives anything, naming the fix', async () => {
    for (const typeUrl of [SDS, CDS]) {
      const outcome = await rawAds(target(), claim('approval', typeUrl, typeUrl === SDS ? ['identity', 'roots'] : []));
      expect({ typeUrl, code: outcome.code, responses: outcome.responses.length }).toEqual({ typeUrl, code: status.UNAUTHENTICATED, responses: 0 });
      expect(outcome.details).toMatch(/x-consul-token/);
    }
  });

  it("refuses a token that may not act for the claimed service (user's token claiming approval)", async () => {
    const outcome = await rawAds(target(), claim('approval', SDS, ['identity', 'roots']), { token: userToken.secretId });
    expect({ code: outcome.code, responses: outcome.responses.length }).toEqual({ code: status.PERMISSION_DENIED, responses: 0 });
    expect(outcome.details).toMatch(/service:write on "approval"/);
  });

  it('refuses a token Consul does not know', async () => {
    const outcome = await rawAds(target(), claim('approval', CDS), { token: '00000000-1111-2222-3333-444444444444' });
    expect({ code: outcome.code, responses: outcome.responses.length }).toEqual({ code: status.UNAUTHENTICATED, responses: 0 });
    expect(outcome.details).toMatch(/not a Consul ACL token/);
  });

  it("serves a stream whose token has service:write on the service it claims", async () => {
    const outcome = await rawAds(target(), claim('approval', CDS), { token: approvalToken.secretId, waitMs: 2000 });
    expect(outcome.code).toBeUndefined();
    expect(outcome.responses.map((r) => r.type_url)).toEqual([CDS]);
    expect((await health(controlPlane.adminUrl)).status).toBe('UP');
  });

  describe('a sidecar whose token is revoked', () => {
    let envoy: EnvoyHandle;
    const NODE_ID = 'approval-sidecar';

    beforeAll(async () => {
      const revocable = await createServiceToken(consul, 'approval');
      approvalToken = revocable;
      const outboundPort = await freePort();
      envoy = await startEnvoy(supervisor, {
        name: 'envoy-approval',
        bootstrap: (adminPort) =>
          adsBootstrap(
            { nodeId: NODE_ID, service: 'approval', xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType: 'DELTA_GRPC', token: revocable.secretId, metadata: { outbound_port: outboundPort } },
            adminPort,
          ),
      });
    });

    it('is served with its token, and its stream is closed as soon as Consul reports the token deleted, while Envoy keeps its config', async () => {
      await waitFor('the sidecar synced', async () => (await proxy(controlPlane.adminUrl, NODE_ID))?.types.CDS?.status === 'SYNCED', { timeoutMs: 20_000 });
      expect(await clusterHosts(envoy.adminUrl, 'user')).toHaveLength(1);

      await run(toolBin('consul'), ['acl', 'token', 'delete', '-accessor-id', approvalToken.accessorId], {
        env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, CONSUL_HTTP_TOKEN: consul.managementToken ?? '' },
      });
      const deleted = Date.now();
      await waitFor('the control plane closed the stream', async () => (await envoyStat(envoy.adminUrl, 'control_plane.connected_state')) === 0, {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      // Generous, yet far inside the 600 s interval: only the ACL watch can have closed it.
      expect(Date.now() - deleted).toBeLessThan(10_000);
      expect(await clusterHosts(envoy.adminUrl, 'user')).toHaveLength(1);
    });
  });
});

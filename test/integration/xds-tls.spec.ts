import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServiceToken, freePort, ProcessSupervisor, repoRoot, startConsul, startEnvoy, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { parse, stringify } from 'yaml';
import { envoyBootstrap, sidecarMetadata } from '../../xds-server/src/generate/envoy-bootstrap';
import { CONTROL_PLANE_SERVICE } from '../../xds-server/src/generate/deploy-conventions';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { clusterHosts, envoyStat } from '../support/envoy-admin';
import { rawAds } from '../support/raw-ads';
import { registerService } from '../support/consul-api';
import { suiteRunDir } from '../support/run-dir';
import { health, proxy } from '../support/xds-admin';

const run = promisify(execFile);
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const MESH_CLI = join(repoRoot(), 'xds-server', 'dist', 'cli', 'main.js');

/** Registers with the management token: with default deny, nothing else may. */
const register = (consul: ConsulHandle, name: string, port: number) =>
  registerService(consul.httpAddr, { id: `${name}-1`, name, port, token: consul.managementToken ?? '' });

interface TlsControlPlane {
  handle: ControlPlaneHandle;
  serial: string;
}

/**
 * The deployment's path, as generated units take it: a bootstrap template from the generator,
 * `mesh proxy-bootstrap` adding the token from a file and writing the Consul CA bundle, Envoy
 * started on what it wrote.
 */
describe('xDS over TLS with a Consul-issued server certificate (generated bootstraps, ACLs on)', () => {
  const runDir = suiteRunDir('xds-tls');
  const supervisor = new ProcessSupervisor(runDir);
  let consul: ConsulHandle;
  let approvalTokenFile: string;

  const startTlsControlPlane = async (service: string): Promise<TlsControlPlane> => {
    const tokenFile = join(runDir, `${service}.token`);
    writeFileSync(tokenFile, `${consul.managementToken ?? ''}\n`, { mode: 0o600 });
    const handle = await startControlPlane(supervisor, consul.httpAddr, undefined, { CONSUL_HTTP_TOKEN_FILE: tokenFile, MESH_XDS_TLS_SERVICE: service });
    let serial = '';
    await waitFor(`a certificate for ${service} from the Consul CA`, async () => {
      const answer = (await health(handle.adminUrl)) as { xdsTls?: { serialNumber?: string; serviceUri?: string } };
      serial = answer.xdsTls?.serialNumber ?? '';
      expect(answer.xdsTls?.serviceUri).toMatch(new RegExp(`^spiffe://[^/]+\\.consul/ns/default/dc/dc1/svc/${service}$`));
      return serial !== '';
    }, { timeoutMs: 20_000 });
    return { handle, serial };
  };

  // An Envoy that never gets config is LIVE only once its CDS and LDS initial fetches have timed out (15 s each).
  const startGeneratedEnvoy = async (name: string, xdsPort: number, readyTimeoutMs = 30_000): Promise<{ envoy: EnvoyHandle; rendered: string; caBundle: string }> => {
    const adminPort = await freePort();
    const caBundle = join(runDir, `${name}.consul-ca.pem`);
    const template = join(runDir, `${name}.template.yaml`);
    const rendered = join(runDir, `${name}.yaml`);
    writeFileSync(
      template,
      stringify(
        envoyBootstrap({
          nodeId: name,
          cluster: 'approval',
          metadata: sidecarMetadata('approval-1', await freePort()),
          adminPort,
          xds: { address: '127.0.0.1', port: xdsPort },
          apiType: 'DELTA_GRPC',
          xdsTls: { caFile: caBundle, serverName: CONTROL_PLANE_SERVICE },
        }),
      ),
    );
    await run(process.execPath, [MESH_CLI, 'proxy-bootstrap', '--template', template, '--token-file', approvalTokenFile, '--ca-out', caBundle, '--out', rendered, '--consul', consul.httpAddr]);
    const envoy = await startEnvoy(supervisor, { name, adminPort, readyTimeoutMs, bootstrap: () => parse(readFileSync(rendered, 'utf8')) as object });
    return { envoy, rendered, caBundle };
  };

  beforeAll(async () => {
    consul = await startConsul(supervisor, { acls: true });
    const approval = await createServiceToken(consul, 'approval');
    approvalTokenFile = join(runDir, 'approval.token');
    writeFileSync(approvalTokenFile, approval.secretId, { mode: 0o600 });
    await register(consul, 'approval', await freePort());
    await register(consul, 'user', await freePort());
  });
  afterAll(() => supervisor.stopAll());

  describe('the control plane with its certificate', () => {
    let controlPlane: TlsControlPlane;
    beforeAll(async () => {
      controlPlane = await startTlsControlPlane(CONTROL_PLANE_SERVICE);
    });

    it('serves an Envoy that verifies it against the Consul CA and presents the token from its file', async () => {
      const { envoy, rendered, caBundle } = await startGeneratedEnvoy('approval-tls', controlPlane.handle.xdsPort);
      // proxy-bootstrap wrote the token into the bootstrap and nowhere else, readable by its owner only.
      const written = readFileSync(rendered, 'utf8');
      expect(written).toContain(readFileSync(approvalTokenFile, 'utf8'));
      expect(statSync(rendered).mode & 0o077).toBe(0);
      expect(readFileSync(caBundle, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

      await waitFor('the sidecar synced over TLS', async () => (await proxy(controlPlane.handle.adminUrl, 'approval-tls'))?.types.CDS?.status === 'SYNCED', { timeoutMs: 20_000 });
      expect(await clusterHosts(envoy.adminUrl, 'user')).toHaveLength(1);
      expect(await envoyStat(envoy.adminUrl, 'cluster.xds_cluster.ssl.handshake')).toBeGreaterThan(0);
      expect(await envoyStat(envoy.adminUrl, 'cluster.xds_cluster.ssl.fail_verify_san')).toBe(0);
      expect((await health(controlPlane.handle.adminUrl)).status).toBe('UP');
    });

    it('gives a plaintext client nothing', async () => {
      const outcome = await rawAds(`127.0.0.1:${controlPlane.handle.xdsPort}`, [{ node: { id: 'plain', cluster: 'approval' }, type_url: CDS, resource_names: [] }], {
        token: readFileSync(approvalTokenFile, 'utf8'),
        waitMs: 3000,
      });
      expect(outcome.responses).toHaveLength(0);
    });
  });

  it('refuses a server whose Consul certificate is for another service name, so a rogue control plane feeds no config', async () => {
    const rogue = await startTlsControlPlane('rogue-control-plane');
    const { envoy } = await startGeneratedEnvoy('approval-rogue', rogue.handle.xdsPort, 90_000);
    await waitFor('Envoy rejected the rogue certificate', async () => (await envoyStat(envoy.adminUrl, 'cluster.xds_cluster.ssl.fail_verify_san')) > 0, { timeoutMs: 20_000 });
    expect(await envoyStat(envoy.adminUrl, 'control_plane.connected_state')).toBe(0);
    expect(await proxy(rogue.handle.adminUrl, 'approval-rogue')).toBeUndefined();
    expect(await clusterHosts(envoy.adminUrl, 'user').catch(() => [])).toHaveLength(0);
  });
});

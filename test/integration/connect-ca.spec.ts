import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ConsulHandle, type EnvoyHandle, freePorts, httpGet, ProcessSupervisor, startConsul, startEnvoy, waitFor } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';

import { type CaRoot, spiffeId } from '../../xds-server/src/consul/connect-ca';
import { connectCaHealth } from '../../xds-server/src/consul/connect-ca-health';
import { type ConnectCaSnapshot, ConnectCaWatcher } from '../../xds-server/src/consul/connect-ca-watcher';
import { ConsulClientTransport } from '../../xds-server/src/consul/consul-client-transport';
import { ADS } from '../../xds-server/src/translate/config-source';
import { httpRbacFilter } from '../../xds-server/src/translate/rbac.translator';
import { leafSecret, leafSecretName, rootsSecret } from '../../xds-server/src/translate/secret.translator';
import { downstreamTransportSocket, inboundFilterChains, type MeshIdentity, upstreamTransportSocket } from '../../xds-server/src/translate/tls-context';

/** A leaf reaches the watcher well within a second; after a root rotation Consul's agent re-issues leaves with up to ~30 s of jitter. */
const DEADLINE = { timeoutMs: 20_000, intervalMs: 50 };
const ROTATION_DEADLINE = { timeoutMs: 90_000, intervalMs: 200 };
const SERVICES = ['web', 'api', 'evil'];

/** The first certificate of a PEM chain: the leaf itself. */
function leafOf(chainPem: string): X509Certificate {
  return new X509Certificate(chainPem.slice(0, chainPem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length));
}

function activeRoot(snapshot: ConnectCaSnapshot): CaRoot {
  const root = snapshot.roots.find((r) => r.id === snapshot.activeRootId);
  if (!root) throw new Error(`active root ${snapshot.activeRootId} is not among ${snapshot.roots.map((r) => r.id).join(', ')}`);
  return root;
}

function signedBy(chainPem: string, root: CaRoot): boolean {
  return leafOf(chainPem).verify(new X509Certificate(root.rootCertPem).publicKey);
}

function describeCa(snapshot: ConnectCaSnapshot | undefined): string {
  if (!snapshot) return 'no snapshot yet';
  const leaves = [...snapshot.leaves].map(([service, leaf]) => `${service}#${leaf.serialNumber}`);
  return `active=${snapshot.activeRootId} roots=[${snapshot.roots.map((r) => r.id).join(' ')}] leaves=[${leaves.join(' ')}]`;
}

describe('Connect CA watcher against a real Consul dev agent', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('connect-ca'));
  let consul: ConsulHandle;
  let watcher: ConnectCaWatcher;
  const snapshots: ConnectCaSnapshot[] = [];
  let echo: Server | undefined;

  afterAll(async () => {
    await watcher?.stop();
    await supervisor.stopAll();
    await new Promise((resolve) => (echo ? echo.close(resolve) : resolve(undefined)));
  });

  function untilSnapshot(what: string, check: (snapshot: ConnectCaSnapshot) => boolean, deadline = DEADLINE): Promise<ConnectCaSnapshot> {
    return waitFor(
      what,
      async () => {
        const snapshot = watcher.snapshot;
        if (snapshot && check(snapshot)) return snapshot;
        throw new Error(describeCa(snapshot));
      },
      deadline,
    );
  }

  it("serves each service a leaf whose URI SAN is the service's SPIFFE ID, signed by the active root", async () => {
    consul = await startConsul(supervisor);
    for (const [i, service] of SERVICES.entries()) await registerService(consul.httpAddr, { id: `${service}-1`, name: service, port: 9100 + i });
    watcher = new ConnectCaWatcher({ transport: new ConsulClientTransport(consul.httpAddr), onSnapshot: (s) => snapshots.push(s) });
    watcher.setServices(SERVICES);
    watcher.start();

    const snapshot = await untilSnapshot('every leaf', (s) => s.leaves.size === SERVICES.length);
    expect(snapshot.datacenter).toBe('dc1');
    expect(snapshot.trustDomain).toMatch(/\.consul$/);
    const web = snapshot.leaves.get('web');
    expect(leafOf(web?.certChainPem ?? '').subjectAltName).toBe(`URI:${spiffeId(snapshot.trustDomain, 'dc1', 'web')}`);
    expect(web?.serviceUri).toBe(spiffeId(snapshot.trustDomain, 'dc1', 'web'));
    expect(signedBy(web?.certChainPem ?? '', activeRoot(snapshot))).toBe(true);
    expect(Date.parse(leafOf(web?.certChainPem ?? '').validTo)).toBe(web?.validBeforeMs);

    const health = connectCaHealth(watcher.status());
    expect(health).toMatchObject({ status: 'UP', failingWatches: [], warnings: [], roots: 1, leaves: 3 });
    expect(watcher.status().watches.map((w) => w.name)).toEqual(['roots', 'leaf:api', 'leaf:evil', 'leaf:web']);
  });

  /**
   * The generated contexts in real Envoys, with the real certificates. The secrets are given
   * statically (an SdsSecretConfig without sds_config names a static secret), so that this
   * test needs no control plane: what is under test is what the contexts make Envoy do.
   */
  describe('the TLS contexts and RBAC filter in real Envoys', () => {
    let caller: EnvoyHandle;
    let ports: { apiInbound: number; apiPermissive: number; asWeb: number; asEvil: number; wrongSan: number; permissiveAsWeb: number; echo: number };

    const staticSecrets = <T>(value: T): T => JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'sds_config' ? undefined : v))) as T;

    function hcm(statPrefix: string, cluster: string, extra: object = {}, httpFilters: object[] = []): object {
      return {
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: statPrefix,
          route_config: { name: statPrefix, virtual_hosts: [{ name: statPrefix, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
          http_filters: [...httpFilters, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          ...extra,
        },
      };
    }

    function staticCluster(name: string, port: number, transportSocket?: object): object {
      return {
        name,
        type: 'STATIC',
        connect_timeout: '2s',
        load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
        ...(transportSocket && { transport_socket: staticSecrets(transportSocket) }),
      };
    }

    function listener(name: string, port: number, chains: object): object {
      return { name, stat_prefix: name, address: { socket_address: { address: '127.0.0.1', port_value: port } }, ...chains };
    }

    async function stat(envoy: EnvoyHandle, name: string): Promise<number> {
      const text = await httpGet(`${envoy.adminUrl}/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`);
      const match = /: (\d+)$/m.exec(text);
      return match ? Number(match[1]) : 0;
    }

    it('starts a sidecar for api (strict mTLS, only web allowed) and a caller Envoy holding the web and evil leaves', async () => {
      const ca = watcher.snapshot as ConnectCaSnapshot;
      const identity: MeshIdentity = { trustDomain: ca.trustDomain, datacenter: ca.datacenter ?? 'dc1' };
      const secrets = [rootsSecret(ca.roots), ...SERVICES.map((s) => leafSecret(ca.leaves.get(s) as NonNullable<ReturnType<typeof ca.leaves.get>>))];
      const [apiInbound, apiPermissive, asWeb, asEvil, wrongSan, permissiveAsWeb] = await freePorts(6);
      echo = createServer((req, res) => res.end(JSON.stringify({ xfcc: req.headers['x-forwarded-client-cert'] ?? null })));
      await new Promise<void>((resolve) => echo?.listen(0, '127.0.0.1', resolve));
      ports = {
        apiInbound: apiInbound!,
        apiPermissive: apiPermissive!,
        asWeb: asWeb!,
        asEvil: asEvil!,
        wrongSan: wrongSan!,
        permissiveAsWeb: permissiveAsWeb!,
        echo: (echo.address() as AddressInfo).port,
      };

      const mtlsFilters = [
        hcm('inbound', 'local_app', { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } }, [
          httpRbacFilter(['web'], identity) as object,
        ]),
      ];
      const transportSocket = staticSecrets(downstreamTransportSocket({ protocol: 'http', configSource: ADS, certificate: leafSecretName('api') }));
      const inbound = inboundFilterChains({ mode: 'strict', mtlsFilters, transportSocket });
      const permissive = inboundFilterChains({ mode: 'permissive', mtlsFilters, plaintextFilters: [hcm('inbound_plaintext', 'local_app')], transportSocket });
      await startEnvoy(supervisor, {
        name: 'api-sidecar',
        bootstrap: (adminPort) => ({
          node: { id: 'api-sidecar', cluster: 'api' },
          admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
          static_resources: {
            listeners: [listener('inbound', ports.apiInbound, inbound), listener('inbound_permissive', ports.apiPermissive, permissive)],
            clusters: [staticCluster('local_app', ports.echo)],
            secrets,
          },
        }),
      });
      const upstream = (localService: string, destination: string): object =>
        upstreamTransportSocket({ destination, protocol: 'http', identity, configSource: ADS, certificate: leafSecretName(localService) });
      caller = await startEnvoy(supervisor, {
        name: 'caller',
        bootstrap: (adminPort) => ({
          node: { id: 'caller', cluster: 'web' },
          admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
          static_resources: {
            listeners: [
              listener('as_web', ports.asWeb, { filter_chains: [{ filters: [hcm('as_web', 'api_as_web')] }] }),
              listener('as_evil', ports.asEvil, { filter_chains: [{ filters: [hcm('as_evil', 'api_as_evil')] }] }),
              listener('wrong_san', ports.wrongSan, { filter_chains: [{ filters: [hcm('wrong_san', 'db_expected')] }] }),
              listener('permissive_as_web', ports.permissiveAsWeb, { filter_chains: [{ filters: [hcm('permissive_as_web', 'api_permissive_as_web')] }] }),
            ],
            clusters: [
              staticCluster('api_as_web', ports.apiInbound, upstream('web', 'api')),
              staticCluster('api_as_evil', ports.apiInbound, upstream('evil', 'api')),
              // Reaches api's sidecar while expecting db's identity: the SAN check must refuse it.
              staticCluster('db_expected', ports.apiInbound, upstream('web', 'db')),
              staticCluster('api_permissive_as_web', ports.apiPermissive, upstream('web', 'api')),
            ],
            secrets,
          },
        }),
      });
    });

    it('web calls api over mTLS, and api sees the SPIFFE ID of web in the verified client certificate', async () => {
      const response = await httpRequest(`http://127.0.0.1:${ports.asWeb}/hello`);
      expect(response.status).toBe(200);
      const ca = watcher.snapshot as ConnectCaSnapshot;
      expect((JSON.parse(response.body) as { xfcc: string }).xfcc).toContain(`URI=${spiffeId(ca.trustDomain, 'dc1', 'web')}`);
      expect(await stat(caller, 'cluster.api_as_web.ssl.handshake')).toBeGreaterThanOrEqual(1);
    });

    it('evil holds a valid mesh certificate but is not an allowed caller: RBAC answers 403', async () => {
      const response = await httpRequest(`http://127.0.0.1:${ports.asEvil}/hello`);
      expect(response.status).toBe(403);
      expect(response.body).toBe('RBAC: access denied');
      expect(await stat(caller, 'cluster.api_as_evil.ssl.handshake')).toBeGreaterThanOrEqual(1);
    });

    it('a caller expecting another service refuses api’s certificate (URI SAN mismatch)', async () => {
      const response = await httpRequest(`http://127.0.0.1:${ports.wrongSan}/hello`);
      expect(response.status).toBe(503);
      expect(await stat(caller, 'cluster.db_expected.ssl.fail_verify_san')).toBeGreaterThanOrEqual(1);
    });

    it('a plaintext client connecting straight to the public listener is refused', async () => {
      await expect(httpRequest(`http://127.0.0.1:${ports.apiInbound}/hello`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    });

    it('permissive: the same listener takes mTLS (with the caller identity) and plaintext (without)', async () => {
      const overTls = await httpRequest(`http://127.0.0.1:${ports.permissiveAsWeb}/hello`);
      expect(overTls.status).toBe(200);
      expect((JSON.parse(overTls.body) as { xfcc: string | null }).xfcc).toContain('/svc/web');
      const plain = await httpRequest(`http://127.0.0.1:${ports.apiPermissive}/hello`);
      expect(plain.status).toBe(200);
      expect((JSON.parse(plain.body) as { xfcc: string | null }).xfcc).toBeNull();
      expect(await stat(caller, 'cluster.api_permissive_as_web.ssl.handshake')).toBeGreaterThanOrEqual(1);
    });
  });

  describe('CA root rotation', () => {
    it('a root rotation first yields a snapshot trusting both roots, then a leaf signed by the new root', async () => {
      const before = watcher.snapshot as ConnectCaSnapshot;
      const oldRoot = activeRoot(before);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      // Consul 1.22 rotates the built-in CA when the configuration brings a new private key (it generates the root cert from it);
      // re-sending the same configuration without a key is a no-op.
      const response = await fetch(`${consul.httpAddr}/v1/connect/ca/configuration`, {
        method: 'PUT',
        body: JSON.stringify({ Provider: 'consul', Config: { LeafCertTTL: '72h', PrivateKey: privateKey.export({ type: 'sec1', format: 'pem' }) } }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(`${response.status} ${await response.text()}`).toBe('200 ');

      const rotating = await untilSnapshot('new active root', (s) => s.activeRootId !== oldRoot.id);
      expect(rotating.roots.map((r) => r.id).sort()).toEqual([oldRoot.id, rotating.activeRootId].sort());
      expect(rotating.roots.find((r) => r.id === oldRoot.id)?.active).toBe(false);
      expect(rotating.rootsChanged).toBe(true);
      const newRoot = activeRoot(rotating);

      const reissued = await untilSnapshot(
        'web leaf signed by the new root',
        (s) => signedBy(s.leaves.get('web')?.certChainPem ?? '', newRoot),
        ROTATION_DEADLINE,
      );
      expect(reissued.roots.map((r) => r.id)).toContain(oldRoot.id);
      const web = reissued.leaves.get('web');
      expect(web?.serialNumber).not.toBe(before.leaves.get('web')?.serialNumber);
      expect(leafOf(web?.certChainPem ?? '').subjectAltName).toBe(`URI:${spiffeId(reissued.trustDomain, 'dc1', 'web')}`);
      // The chain carries the new root cross-signed by the old one, so peers that still trust only the old root accept it.
      expect(web?.certChainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

      const versions = snapshots.map((s) => s.version);
      expect(versions.filter((v, i) => v === versions[i - 1])).toEqual([]);
      expect(connectCaHealth(watcher.status()).status).toBe('UP');
    });
  });

  describe('Consul outage', () => {
    it('keeps the last certificates and reports DEGRADED while Consul is down', async () => {
      // The rotation above waited for web's new leaf only; Consul re-issues the others at its own pace.
      const last = await untilSnapshot(
        'every leaf signed by the active root',
        (s) => SERVICES.every((service) => signedBy(s.leaves.get(service)?.certChainPem ?? '', activeRoot(s))),
        ROTATION_DEADLINE,
      );
      await consul.process.stop(5000);
      const health = await waitFor(
        'every CA watch failing',
        async () => {
          const h = connectCaHealth(watcher.status());
          if (h.failingWatches.length === 1 + SERVICES.length) return h;
          throw new Error(JSON.stringify(h));
        },
        DEADLINE,
      );
      expect(health.status).toBe('DEGRADED');
      expect(health.reason).toMatch(/is unreachable/);
      expect(watcher.snapshot).toBe(last);
      expect(watcher.status().leaves.map((l) => `${l.service}:${l.renewable}`)).toEqual(['api:false', 'evil:false', 'web:false']);
      // 72 h leaves issued a moment ago are far from the warning window.
      expect(health.warnings).toEqual([]);
    });
  });
});

import { caSnapshotFixture, fakePem, TRUST_DOMAIN } from '../consul/connect-ca.spec-helper';
import { ADS, type ConfigSourceRef } from './config-source';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import { policy } from './policy-fixtures.spec-helper';
import type { MeshConfigModel, MtlsMode, TrafficPolicyModel } from './policy-model';
import { decodeResource, type Decoded } from '../resources/decode.spec-helper';
import { MeshSnapshot } from './mesh-snapshot';
import { TypeUrl } from '../resources/type-url';

const spiffe = (service: string) => `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/${service}`;

function service(name: string, port: number, protocol: ServiceModel['protocol'] = 'http'): ServiceModel {
  return {
    name,
    protocol,
    endpoints: [{ id: `${name}-1`, address: '127.0.0.1', port, appPort: port - 1000, sidecarPort: port, health: 'passing', weight: 1, tags: [], meta: {} }],
  };
}

const SERVICES = [service('api', 21001), service('db', 21002, 'tcp'), service('legacy', 21003), service('web', 21004)];

function config(policies: TrafficPolicyModel[], gateway?: MeshConfigModel['gateway']): MeshConfigModel {
  return { version: 'v', policies: new Map(policies.map((p) => [p.service, p])), upstreams: new Map(), gateway };
}

/** api strict (only web may call), db strict tcp (only api), legacy permissive, web off. */
function mtlsConfig(overrides: Partial<Record<string, MtlsMode>> = {}): MeshConfigModel {
  return config([
    policy('api', { mtls: overrides.api ?? 'strict', allowedCallers: ['gateway', 'web'], subsets: [{ name: 'v2', tags: ['v2'], meta: {} }] }),
    policy('db', { mtls: overrides.db ?? 'strict', allowedCallers: ['api'] }),
    policy('legacy', { mtls: overrides.legacy ?? 'permissive' }),
    policy('web', { mtls: overrides.web ?? 'off' }),
  ]);
}

const CA = caSnapshotFixture({ api: 1, db: 1, gateway: 1, legacy: 1, web: 1 });

function mesh(cfg: MeshConfigModel | undefined, ca = CA): MeshModel {
  return { services: new Map(SERVICES.map((s) => [s.name, s])), ...(cfg ? { config: cfg } : {}), ...(ca ? { ca } : {}) };
}

const proxy = (name: string, configSource: ConfigSourceRef = ADS): ProxyIdentity => ({
  id: `${name}-1`,
  service: name,
  kind: 'envoy',
  outboundAddress: '127.0.0.1',
  outboundPort: 15001,
  configSource,
});


const sds = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });

describe('MeshSnapshot with mTLS', () => {
  const snapshot = MeshSnapshot.build(mesh(mtlsConfig()));

  it("serves every proxy `roots` and, as `identity`, the leaf of its own service", () => {
    const web = snapshot.viewFor(proxy('web'), undefined).resources(TypeUrl.Secret);
    const api = snapshot.viewFor(proxy('api'), undefined).resources(TypeUrl.Secret);
    expect([...web.keys()].sort()).toEqual(['identity', 'roots']);
    expect(web.get('roots')).toBe(api.get('roots'));
    expect(decodeResource(web.get('identity'))).toEqual({
      name: 'identity',
      tls_certificate: {
        certificate_chain: { inline_string: fakePem('CERTIFICATE', 'leaf web web-1 by root-a') },
        private_key: { inline_string: fakePem('EC PRIVATE KEY', 'key web web-1') },
      },
    });
    expect(decodeResource(api.get('identity')).tls_certificate.certificate_chain.inline_string).toBe(fakePem('CERTIFICATE', 'leaf api api-1 by root-a'));
    expect(decodeResource(web.get('roots')).validation_context.trusted_ca.inline_string).toBe(fakePem('CERTIFICATE', 'root root-a'));
    expect(snapshot.secretCount).toBe(6);
  });

  it('gives a proxy whose service has no leaf the roots only, and proxyless gRPC clients nothing', () => {
    expect([...snapshot.viewFor(proxy('stranger'), undefined).resources(TypeUrl.Secret).keys()]).toEqual(['roots']);
    expect(snapshot.viewFor({ ...proxy('web'), kind: 'grpc' }, undefined).resources(TypeUrl.Secret).size).toBe(0);
  });

  it("puts an UpstreamTlsContext with the destination's SNI and exact SPIFFE ID on strict and permissive clusters and their subsets only", () => {
    const tlsOf = (name: string): Decoded | undefined => decodeResource(snapshot.clusters.get(name)).transport_socket?.typed_config;
    for (const name of ['api', 'api~v2', 'db', 'legacy']) {
      const destination = name.split('~')[0]!;
      const context = tlsOf(name);
      expect(context?.sni).toBe(`${destination}.default.dc1.internal.${TRUST_DOMAIN}`);
      expect(context?.common_tls_context.tls_certificate_sds_secret_configs).toEqual([sds('identity')]);
      expect(context?.common_tls_context.combined_validation_context).toEqual({
        default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: spiffe(destination) } }] },
        validation_context_sds_secret_config: sds('roots'),
      });
    }
    expect(tlsOf('db')?.common_tls_context.alpn_protocols).toBeUndefined();
    expect(tlsOf('api')?.common_tls_context.alpn_protocols).toEqual(['http/1.1']);
    expect(tlsOf('web')).toBeUndefined();
  });

  it('names the SDS source the proxy uses when it is not on ADS', () => {
    const source: ConfigSourceRef = { kind: 'api', apiType: 'DELTA_GRPC', xdsCluster: 'xds_cluster' };
    const cluster = decodeResource(snapshot.viewFor(proxy('web', source), undefined).resource(TypeUrl.Cluster, 'api'));
    expect(cluster.transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.api_config_source.api_type).toBe('DELTA_GRPC');
    const inbound = decodeResource(snapshot.viewFor(proxy('api', source), undefined).resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.filter_chains[0].transport_socket.typed_config.common_tls_context.validation_context_sds_secret_config.sds_config.api_config_source.api_type).toBe(
      'DELTA_GRPC',
    );
  });

  it('strict: the inbound listener has one mTLS chain with RBAC from the allowed callers and the caller identity in x-forwarded-client-cert', () => {
    const inbound = decodeResource(snapshot.viewFor(proxy('api'), undefined).resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.filter_chains).toHaveLength(1);
    const [chain] = inbound.filter_chains;
    expect(chain.name).toBe('mtls');
    expect(chain.transport_socket.typed_config).toMatchObject({
      require_client_certificate: { value: true },
      common_tls_context: { tls_certificate_sds_secret_configs: [sds('identity')], validation_context_sds_secret_config: sds('roots') },
    });
    const hcm = chain.filters[0].typed_config;
    expect(hcm.forward_client_cert_details).toBe('SANITIZE_SET');
    expect(hcm.set_current_client_cert_details).toEqual({ uri: true });
    expect(hcm.http_filters.map((f: Decoded) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.router']);
    const policies = hcm.http_filters[0].typed_config.rules.policies;
    expect(Object.keys(policies)).toEqual(['allow:gateway', 'allow:web']);
    expect(policies['allow:web'].principals).toEqual([{ authenticated: { principal_name: { exact: spiffe('web') } } }]);
  });

  it('strict tcp: network RBAC before tcp_proxy to the app', () => {
    const inbound = decodeResource(snapshot.viewFor(proxy('db'), undefined).resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.filter_chains.map((c: Decoded) => c.filters.map((f: Decoded) => f.name))).toEqual([['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']]);
    expect(inbound.filter_chains[0].filters[1].typed_config.cluster).toBe('local_app');
    expect(inbound.filter_chains[0].transport_socket.typed_config.common_tls_context.alpn_protocols).toBeUndefined();
  });

  it('off, tcp: tcp_proxy to the app, with no HTTP handling', () => {
    const inbound = decodeResource(MeshSnapshot.build(mesh(mtlsConfig({ db: 'off' }))).viewFor(proxy('db'), undefined).resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.filter_chains.map((c: Decoded) => c.filters.map((f: Decoded) => f.name))).toEqual([['envoy.filters.network.tcp_proxy']]);
    expect(inbound.filter_chains[0].filters[0].typed_config.cluster).toBe('local_app');
  });

  it('permissive: tls_inspector, an mTLS chain and a plaintext chain', () => {
    const inbound = decodeResource(snapshot.viewFor(proxy('legacy'), undefined).resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.listener_filters.map((f: Decoded) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(inbound.filter_chains.map((c: Decoded) => [c.name, c.filter_chain_match.transport_protocol, c.transport_socket !== undefined])).toEqual([
      ['mtls', 'tls', true],
      ['plaintext', 'raw_buffer', false],
    ]);
    // No allowedCallers: no RBAC on either chain.
    expect(JSON.stringify(inbound)).not.toContain('rbac');
    expect(inbound.filter_chains[1].filters[0].typed_config.stat_prefix).toBe('inbound_plaintext');
  });

  it("off: today's plaintext inbound listener, and the caller still presents its identity to strict destinations", () => {
    const view = snapshot.viewFor(proxy('web'), undefined);
    const inbound = decodeResource(view.resource(TypeUrl.Listener, 'inbound'));
    expect(inbound.filter_chains).toHaveLength(1);
    expect(inbound.filter_chains[0].transport_socket).toBeUndefined();
    expect(inbound.filter_chains[0].filters[0].typed_config.forward_client_cert_details).toBeUndefined();
    expect(view.resource(TypeUrl.Cluster, 'api')).toBe(snapshot.clusters.get('api'));
  });

  it('gives the gateway its own leaf as identity, and the same TLS clusters', () => {
    const view = snapshot.viewFor(proxy('gateway'), undefined);
    expect(decodeResource(view.resource(TypeUrl.Secret, 'identity')).tls_certificate.certificate_chain.inline_string).toBe(fakePem('CERTIFICATE', 'leaf gateway gateway-1 by root-a'));
    expect(view.resource(TypeUrl.Cluster, 'api')).toBe(snapshot.clusters.get('api'));
  });

  it('gives proxyless gRPC clients plaintext clusters, since they cannot take certificates over SDS', () => {
    const grpc = snapshot.viewFor({ ...proxy('web'), kind: 'grpc' }, undefined);
    expect(decodeResource(grpc.resource(TypeUrl.Cluster, 'api')).transport_socket).toBeUndefined();
    expect(decodeResource(grpc.resource(TypeUrl.Cluster, 'web')).transport_socket).toBeUndefined();
  });

  it('re-encodes only the renewed identity on a leaf renewal: clusters, listeners and the trust bundle stay', () => {
    const renewed = MeshSnapshot.build(mesh(mtlsConfig(), caSnapshotFixture({ api: 2, db: 1, gateway: 1, legacy: 1, web: 1 }, CA)), snapshot);
    for (const name of ['api', 'api~v2', 'db', 'legacy', 'web']) expect(renewed.clusters.get(name)).toBe(snapshot.clusters.get(name));
    const secrets = (s: MeshSnapshot, name: string) => s.viewFor(proxy(name), undefined).resources(TypeUrl.Secret);
    expect(secrets(renewed, 'web').get('identity')).toBe(secrets(snapshot, 'web').get('identity'));
    expect(secrets(renewed, 'web').get('roots')).toBe(secrets(snapshot, 'web').get('roots'));
    expect(secrets(renewed, 'api').get('identity')?.version).not.toBe(secrets(snapshot, 'api').get('identity')?.version);
    expect(renewed.viewFor(proxy('api'), undefined).resource(TypeUrl.Listener, 'inbound')?.version).toBe(
      snapshot.viewFor(proxy('api'), undefined).resource(TypeUrl.Listener, 'inbound')?.version,
    );
  });

  it("re-encodes a destination's clusters when its mode changes, and no other", () => {
    const relaxed = MeshSnapshot.build(mesh(mtlsConfig({ legacy: 'off' })), snapshot);
    expect(decodeResource(relaxed.clusters.get('legacy')).transport_socket).toBeUndefined();
    expect(relaxed.clusters.get('api')).toBe(snapshot.clusters.get('api'));
    // strict and permissive build the same cluster: a switch between them changes no version.
    const permissive = MeshSnapshot.build(mesh(mtlsConfig({ api: 'permissive' })), snapshot);
    expect(permissive.clusters.get('api')?.version).toBe(snapshot.clusters.get('api')?.version);
  });

  it('serves no TLS without a config, or before the CA has given the mesh its identity', () => {
    for (const model of [mesh(undefined), mesh(mtlsConfig(), caSnapshotFixture({}))]) {
      const built = MeshSnapshot.build(model);
      for (const cluster of built.clusters.values()) expect(decodeResource(cluster).transport_socket).toBeUndefined();
      const inbound = decodeResource(built.viewFor(proxy('api'), undefined).resource(TypeUrl.Listener, 'inbound'));
      expect(inbound.filter_chains[0].transport_socket).toBeUndefined();
    }
  });
});

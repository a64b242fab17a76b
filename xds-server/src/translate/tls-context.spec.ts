import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import { ADS, type ConfigSourceRef } from './config-source';
import { protoRoundTrip } from './proto-roundtrip.spec-helper';
import { httpRbacFilter } from './rbac.translator';
import {
  downstreamTlsContext,
  downstreamTransportSocket,
  inboundFilterChains,
  type MeshIdentity,
  serviceSni,
  spiffeId,
  upstreamTlsContext,
  upstreamTransportSocket,
} from './tls-context';

const IDENTITY: MeshIdentity = { trustDomain: '0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul', datacenter: 'dc1' };
const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };
const ANY = 'google.protobuf.Any';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function hcm(statPrefix: string, rbac?: object): object {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      route_config: { name: 'inbound', virtual_hosts: [{ name: 'web', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'local_app' } }] }] },
      http_filters: [...(rbac ? [rbac] : []), { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    },
  };
}

describe('SPIFFE IDs and SNI', () => {
  it("uses Consul's formats", () => {
    expect(spiffeId(IDENTITY.trustDomain, 'dc1', 'web')).toBe('spiffe://0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul/ns/default/dc/dc1/svc/web');
    expect(serviceSni('web', IDENTITY)).toBe('web.default.dc1.internal.0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul');
  });
});

describe('DownstreamTlsContext', () => {
  it('presents the proxy\'s own leaf (`identity`), requires a client certificate validated against the roots, all by SDS over ADS', () => {
    const context = downstreamTlsContext({ protocol: 'http', configSource: ADS });
    expect(protoRoundTrip(ANY, context)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
        tls_certificate_sds_secret_configs: [{ name: 'identity', sds_config: ADS_SOURCE }],
        validation_context_sds_secret_config: { name: 'roots', sds_config: ADS_SOURCE },
        alpn_protocols: ['h2', 'http/1.1'],
      },
      require_client_certificate: { value: true },
    });
  });

  it('offers no ALPN for TCP, references the per-type SDS service when the proxy is not on ADS, and can name another certificate', () => {
    const source: ConfigSourceRef = { kind: 'api', apiType: 'DELTA_GRPC', xdsCluster: 'xds_cluster' };
    const context = protoRoundTrip(
      ANY,
      downstreamTlsContext({ protocol: 'tcp', configSource: source, certificate: 'leaf:db' }),
    ) as { common_tls_context: Record<string, unknown> };
    expect(context.common_tls_context.alpn_protocols).toBeUndefined();
    expect(context.common_tls_context.tls_certificate_sds_secret_configs).toEqual([
      {
        name: 'leaf:db',
        sds_config: {
          api_config_source: { api_type: 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
          resource_api_version: 'V3',
        },
      },
    ]);
  });
});

describe('UpstreamTlsContext', () => {
  it("sends Consul-style SNI, presents the caller's own leaf (`identity`) and accepts only the destination's exact SPIFFE ID from the roots", () => {
    const context = upstreamTlsContext({ destination: 'api', protocol: 'grpc', identity: IDENTITY, configSource: ADS });
    expect(protoRoundTrip(ANY, context)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'api.default.dc1.internal.0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul',
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
        tls_certificate_sds_secret_configs: [{ name: 'identity', sds_config: ADS_SOURCE }],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul/ns/default/dc/dc1/svc/api' } }],
          },
          validation_context_sds_secret_config: { name: 'roots', sds_config: ADS_SOURCE },
        },
        alpn_protocols: ['h2'],
      },
    });
  });

  it('negotiates the protocol the cluster speaks', () => {
    const alpn = (protocol: 'http' | 'http2' | 'grpc' | 'tcp'): unknown =>
      (upstreamTlsContext({ destination: 'api', protocol, identity: IDENTITY, configSource: ADS }) as { common_tls_context: { alpn_protocols?: string[] } })
        .common_tls_context.alpn_protocols;
    expect([alpn('http'), alpn('http2'), alpn('grpc'), alpn('tcp')]).toEqual([['http/1.1'], ['h2'], ['h2'], undefined]);
  });

  it('is a valid transport_socket of an EDS cluster', () => {
    const cluster = {
      name: 'api',
      type: 'EDS',
      eds_cluster_config: { eds_config: ADS_SOURCE },
      connect_timeout: { seconds: 1 },
      transport_socket: upstreamTransportSocket({ destination: 'api', protocol: 'http', identity: IDENTITY, configSource: ADS }),
    };
    const decoded = protoRoundTrip(TypeUrl.Cluster, cluster) as { transport_socket: { name: string; typed_config: Record<string, unknown> } };
    expect(decoded.transport_socket.name).toBe('envoy.transport_sockets.tls');
    expect(decoded.transport_socket.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    expect(decoded.transport_socket.typed_config.sni).toBe('api.default.dc1.internal.0c7087b9-eec9-4c97-3ce1-763ba09e37df.consul');
    expect(encodeResource(TypeUrl.Cluster, 'api', cluster).version).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('inbound filter chains by mTLS mode', () => {
  const transportSocket = downstreamTransportSocket({ protocol: 'http', configSource: ADS });
  const withRbac = [hcm('inbound', httpRbacFilter(['api'], IDENTITY))];
  const withoutRbac = [hcm('inbound_plaintext')];

  function listener(chains: object): object {
    return { name: 'inbound', address: { socket_address: { address: '0.0.0.0', port_value: 21000 } }, ...chains };
  }

  it('strict: one chain, TLS required', () => {
    const chains = inboundFilterChains({ mode: 'strict', mtlsFilters: withRbac, transportSocket });
    expect(chains.listener_filters).toBeUndefined();
    expect(chains.filter_chains).toEqual([{ name: 'mtls', filters: withRbac, transport_socket: transportSocket }]);
    const decoded = protoRoundTrip(TypeUrl.Listener, listener(chains)) as { filter_chains: Array<{ transport_socket: { typed_config: Record<string, unknown> } }> };
    expect(decoded.filter_chains[0]?.transport_socket.typed_config.require_client_certificate).toEqual({ value: true });
  });

  it('permissive: tls_inspector sends TLS to the mTLS chain and plaintext to its own chain', () => {
    const chains = inboundFilterChains({ mode: 'permissive', mtlsFilters: withRbac, plaintextFilters: withoutRbac, transportSocket });
    const decoded = protoRoundTrip(TypeUrl.Listener, listener(chains)) as {
      listener_filters: unknown[];
      continue_on_listener_filters_timeout: boolean;
      filter_chains: Array<{ name: string; filter_chain_match: unknown; transport_socket?: unknown; filters: unknown[] }>;
    };
    expect(decoded.listener_filters).toEqual([
      { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } },
    ]);
    expect(decoded.continue_on_listener_filters_timeout).toBe(true);
    expect(decoded.filter_chains.map((c) => [c.name, c.filter_chain_match, c.transport_socket !== undefined])).toEqual([
      ['mtls', { transport_protocol: 'tls' }, true],
      ['plaintext', { transport_protocol: 'raw_buffer' }, false],
    ]);
    expect(JSON.stringify(decoded.filter_chains[0]?.filters)).toContain('envoy.filters.http.rbac');
    expect(JSON.stringify(decoded.filter_chains[1]?.filters)).not.toContain('envoy.filters.http.rbac');
  });

  it('permissive without separate plaintext filters applies the same filters to both chains', () => {
    const chains = inboundFilterChains({ mode: 'permissive', mtlsFilters: withRbac, transportSocket });
    expect((chains.filter_chains[1] as { filters: unknown }).filters).toEqual(withRbac);
  });

  it('off: one plaintext chain', () => {
    const chains = inboundFilterChains({ mode: 'off', mtlsFilters: withRbac, plaintextFilters: withoutRbac, transportSocket });
    expect(chains.filter_chains).toEqual([{ name: 'plaintext', filters: withoutRbac }]);
    expect(encodeResource(TypeUrl.Listener, 'inbound', listener(chains)).bytes.length).toBeGreaterThan(0);
  });
});

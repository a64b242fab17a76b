import { decodeResource, type Decoded } from '../resources/decode.spec-helper';
import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import { ADS } from './config-source';
import { gatewayListener, localBindListener, outboundListener } from './listener.translator';
import type { ProxyIdentity } from './model';

const listener = (message: object) => decodeResource(encodeResource(TypeUrl.Listener, 'l', message));
const firstFilter = (decoded: Decoded) => decoded.filter_chains[0].filters[0];

const proxy: ProxyIdentity = { id: 'a', service: 'client', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS };

describe('outboundListener', () => {
  it('runs the fault filter, with an empty default config, before the router', () => {
    const hcm = firstFilter(listener(outboundListener(proxy))).typed_config;
    expect(hcm.http_filters.map((f: { name: string }) => f.name)).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.router']);
    expect(hcm.http_filters[0].typed_config).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' });
    expect(hcm.rds).toBeUndefined();
  });

  it('picks the route configuration by Host over SRDS, keyed by the Host up to its port', () => {
    const hcm = firstFilter(listener(outboundListener(proxy))).typed_config;
    expect(hcm.strip_any_host_port).toBe(true);
    expect(hcm.scoped_routes).toEqual({
      name: 'outbound',
      scope_key_builder: { fragments: [{ header_value_extractor: { name: ':authority', element_separator: ':', index: 0 } }] },
      rds_config_source: { ads: {}, resource_api_version: 'V3' },
      scoped_rds: { scoped_rds_config_source: { ads: {}, resource_api_version: 'V3' } },
    });
  });
});

describe('localBindListener', () => {
  it('listens on 127.0.0.1:<port> and routes by upstream:<service> over RDS', () => {
    const decoded = listener(localBindListener('document', 'http', 16001, ADS));
    expect(decoded.name).toBe('upstream:document');
    expect(decoded.address).toEqual({ socket_address: { address: '127.0.0.1', port_value: 16001 } });
    const hcm = firstFilter(decoded).typed_config;
    expect(hcm.rds.route_config_name).toBe('upstream:document');
    expect(hcm.http_filters.map((f: { name: string }) => f.name)).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('proxies a tcp service to its cluster as is', () => {
    const filter = firstFilter(listener(localBindListener('db', 'tcp', 16002, ADS)));
    expect(filter.name).toBe('envoy.filters.network.tcp_proxy');
    expect(filter.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      stat_prefix: 'upstream_db',
      cluster: 'db',
    });
  });
});

describe('gatewayListener', () => {
  it('listens on every address on the gateway port with the gateway routes', () => {
    const decoded = listener(gatewayListener(8080, ADS));
    expect(decoded.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 8080 } });
    expect(firstFilter(decoded).typed_config.rds.route_config_name).toBe('gateway');
  });
});

import { messageType } from '../../resources/protos';
import { TypeUrl } from '../../resources/type-url';
import { diffConfig, formatDiff, heldResources, type ConfigResource } from './config-diff';
import { envoyJson, type Json } from './envoy-json';

const cla = (port: number, weight?: number) => ({
  cluster_name: 'document',
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, ...(weight === undefined ? {} : { load_balancing_weight: weight }) }] }],
});

function dump(endpoint: object, cluster: object): Json {
  return JSON.parse(JSON.stringify({
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [{ version_info: 'v1', cluster: { '@type': TypeUrl.Cluster, ...cluster }, last_updated: '2026-01-01T00:00:00Z' }] },
      { '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump', dynamic_endpoint_configs: [{ version_info: 'v1', endpoint_config: { '@type': TypeUrl.Endpoint, ...endpoint } }] },
    ],
  })) as Json;
}

describe('envoyJson', () => {
  it('prints a resource the way Envoy\'s config_dump does', () => {
    const type = messageType(TypeUrl.Cluster);
    const bytes = type
      .encode(
        type.fromObject({
          name: 'document',
          type: 'EDS',
          lb_policy: 'ROUND_ROBIN',
          connect_timeout: { seconds: 1, nanos: 500_000_000 },
          eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
          per_connection_buffer_limit_bytes: { value: 32768 },
        }),
      )
      .finish();
    expect(envoyJson(TypeUrl.Cluster, bytes)).toEqual({
      name: 'document',
      type: 'EDS',
      connect_timeout: '1.5s',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      per_connection_buffer_limit_bytes: 32768,
    });
  });
});

describe('diffConfig', () => {
  const cluster = { name: 'document', type: 'EDS', connect_timeout: '1s' };
  const intended: ConfigResource[] = [
    { type: 'CDS', name: 'document', value: cluster },
    { type: 'EDS', name: 'document', value: cla(21003) },
  ];

  it('is in sync when Envoy holds the same content, whatever it adds, its defaults and its order', () => {
    const held = heldResources(
      dump(
        { ...cla(21003, 1), endpoints: [{ ...cla(21003).endpoints[0], locality: {} }], policy: { overprovisioning_factor: 140 } },
        { ...cluster, connect_timeout: '1.000s', lb_policy: 'ROUND_ROBIN', circuit_breakers: {} },
      ),
    );
    const report = diffConfig(intended, held);
    expect(report).toEqual({ inSync: true, resources: [expect.objectContaining({ status: 'in sync' }), expect.objectContaining({ status: 'in sync' })] });
  });

  it('names the resource and field that differ, and what is missing or unexpected', () => {
    const held = heldResources(dump(cla(9, 1), { ...cluster, connect_timeout: '5s' }));
    const staleCluster = { type: 'CDS' as const, name: 'stale', value: { name: 'stale', eds_cluster_config: {} } };
    const report = diffConfig(
      [...intended, { type: 'CDS', name: 'user', value: { name: 'user' } }],
      [...held, staleCluster, { type: 'EDS', name: 'stale', value: { cluster_name: 'stale' } }, { type: 'EDS', name: 'local_app', value: { cluster_name: 'local_app' } }],
    );
    expect(report.inSync).toBe(false);
    expect(formatDiff(report)).toEqual([
      'CDS document connect_timeout: intended "1s", held "5s"',
      'CDS stale: held by the proxy, no longer intended',
      'CDS user: intended, not held by the proxy',
      'EDS document endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: intended 21003, held 9',
      'EDS stale: held by the proxy, no longer intended',
    ]);
  });

  it('matches named list elements by name, not by position', () => {
    const listener = (filters: string[]) => ({ name: 'outbound', listener_filters: filters.map((name) => ({ name })) });
    const report = diffConfig([{ type: 'LDS', name: 'outbound', value: listener(['a', 'b']) }], [{ type: 'LDS', name: 'outbound', value: listener(['b', 'a']) }]);
    expect(report.inSync).toBe(true);
  });
});

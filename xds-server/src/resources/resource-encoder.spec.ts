import { encodeMessage, encodeResource, UnknownFieldError } from './resource-encoder';
import { messageType } from './protos';
import { TypeUrl } from './type-url';

describe('encodeResource', () => {
  const cluster = {
    name: 'echo',
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: { seconds: 1 },
  };

  it('encodes a cluster that decodes back to the same fields', () => {
    const resource = encodeResource(TypeUrl.Cluster, 'echo', cluster);
    const decoded = messageType(TypeUrl.Cluster).toObject(messageType(TypeUrl.Cluster).decode(resource.bytes), {
      enums: String,
      longs: Number,
    });
    expect(decoded).toEqual(expect.objectContaining({ name: 'echo', type: 'EDS', connect_timeout: { seconds: 1 } }));
  });

  it('versions by content: equal content, equal version; any change, a new version', () => {
    const a = encodeResource(TypeUrl.Cluster, 'echo', cluster);
    const b = encodeResource(TypeUrl.Cluster, 'echo', { ...cluster });
    const c = encodeResource(TypeUrl.Cluster, 'echo', { ...cluster, connect_timeout: { seconds: 2 } });
    expect(a.version).toBe(b.version);
    expect(a.version).not.toBe(c.version);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('encodes nested typed Anys with their own type', () => {
    const listener = {
      name: 'l',
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: 'outbound',
                rds: { route_config_name: 'outbound', config_source: { ads: {}, resource_api_version: 'V3' } },
              },
            },
          ],
        },
      ],
    };
    const type = messageType(TypeUrl.Listener);
    const decoded = type.decode(encodeMessage(TypeUrl.Listener, listener)) as unknown as {
      filter_chains: Array<{ filters: Array<{ typed_config: { type_url: string; value: Uint8Array } }> }>;
    };
    const any = decoded.filter_chains[0]!.filters[0]!.typed_config;
    expect(any.type_url).toContain('HttpConnectionManager');
    expect(any.value.length).toBeGreaterThan(10);
  });

  it('rejects a misspelt field, naming its path and type', () => {
    expect(() => encodeResource(TypeUrl.Cluster, 'echo', { ...cluster, conect_timeout: { seconds: 1 } })).toThrow(
      new UnknownFieldError('echo', 'envoy.config.cluster.v3.Cluster', 'conect_timeout'),
    );
    expect(() =>
      encodeMessage(TypeUrl.Listener, {
        filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', bogus: 1 } }] }],
      }),
    ).toThrow('Listener.filter_chains[0].filters[0].typed_config: envoy.extensions.filters.http.router.v3.Router has no field "bogus"');
  });
});

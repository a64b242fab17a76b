import { ADS } from '../translate/config-source';
import { xdsPackageDefinition } from '../resources/protos';
import { proxyNode, type NodeMessage } from './proxy-node';

/** Round-trips a node through the real DiscoveryRequest codec, as it arrives from Envoy. */
function decoded(node: object): NodeMessage {
  const method = xdsPackageDefinition()['envoy.service.discovery.v3.AggregatedDiscoveryService'] as unknown as Record<
    string,
    { requestSerialize(v: object): Buffer; requestDeserialize(b: Buffer): { node: NodeMessage } }
  >;
  const codec = method.StreamAggregatedResources!;
  return codec.requestDeserialize(codec.requestSerialize({ node })).node;
}

describe('proxyNode', () => {
  it('reads the outbound address and port and the instance id from node metadata', () => {
    const node = decoded({
      id: 'user-1',
      cluster: 'user',
      user_agent_name: 'envoy',
      metadata: {
        fields: {
          outbound_address: { stringValue: '127.0.0.2' },
          outbound_port: { numberValue: 15011 },
          service_instance_id: { stringValue: 'user-a' },
          admin_address: { stringValue: '127.0.0.1:19002' },
        },
      },
    });
    expect(proxyNode(node)).toEqual({
      identity: { id: 'user-1', service: 'user', kind: 'envoy', outboundAddress: '127.0.0.2', outboundPort: 15011, configSource: ADS },
      serviceInstanceId: 'user-a',
      adminAddress: '127.0.0.1:19002',
    });
  });

  it('defaults to 127.0.0.1:15001 and treats a non-Envoy client as proxyless gRPC', () => {
    expect(proxyNode(decoded({ id: 'app', user_agent_name: 'gRPC Node Pure JS' }))).toEqual({
      identity: { id: 'app', service: '', kind: 'grpc', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS },
      serviceInstanceId: undefined,
    });
  });

  it('refuses a port that is not one, naming the metadata key', () => {
    for (const value of [{ numberValue: 70000 }, { numberValue: 0 }, { stringValue: 'eighty' }]) {
      const node = decoded({ id: 'x', user_agent_name: 'envoy', metadata: { fields: { outbound_port: value } } });
      expect(() => proxyNode(node)).toThrow(/node\.metadata\.outbound_port .* not a port/);
    }
  });

  it('reads a gateway port from node metadata, as a number or a string', () => {
    const withPort = (value: object) => proxyNode(decoded({ id: 'gw', cluster: 'gateway', user_agent_name: 'envoy', metadata: { fields: { gateway_port: value } } })).identity;
    expect(withPort({ numberValue: 18080 }).gatewayPort).toBe(18080);
    expect(withPort({ stringValue: '18081' }).gatewayPort).toBe(18081);
    expect(() => withPort({ numberValue: 0 })).toThrow(/gateway_port/);
  });
});

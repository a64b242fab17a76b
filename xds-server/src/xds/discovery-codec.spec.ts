import { messageType } from '../resources/protos';
import { decodeSotwRequest, encodeDeltaResponse, encodeSotwResponse } from './discovery-codec';

const OPTIONS = { longs: String, enums: String, defaults: false, oneofs: true } as const;
const roundTrip = (name: string, bytes: Uint8Array) => {
  const type = messageType(name);
  return type.toObject(type.decode(bytes), OPTIONS);
};
const encode = (name: string, object: object) => {
  const type = messageType(name);
  return Buffer.from(type.encode(type.fromObject(object)).finish());
};

const any = { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', value: encode('envoy.config.cluster.v3.Cluster', { name: 'api' }) };

describe('discovery codec', () => {
  it('encodes a DiscoveryResponse byte for byte as protobufjs does', () => {
    const response = { version_info: 'v1', resources: [any, any], type_url: any.type_url, nonce: '7', control_plane: { identifier: 'cp/1' } };
    expect(encodeSotwResponse(response).equals(encode('envoy.service.discovery.v3.DiscoveryResponse', response))).toBe(true);
    expect(roundTrip('envoy.service.discovery.v3.DiscoveryResponse', encodeSotwResponse(response))).toEqual(
      roundTrip('envoy.service.discovery.v3.DiscoveryResponse', encode('envoy.service.discovery.v3.DiscoveryResponse', response)),
    );
  });

  it('encodes a DeltaDiscoveryResponse byte for byte as protobufjs does', () => {
    const response = {
      system_version_info: 'sv',
      resources: [{ name: 'api', version: 'abc', resource: any }],
      type_url: any.type_url,
      // A name of 300 bytes takes a two-byte length; a multi-byte character counts in bytes.
      removed_resources: ['gone', 'also-gone', 'x'.repeat(300), 'ünïcode'],
      nonce: '3',
      control_plane: { identifier: 'cp/1' },
    };
    expect(encodeDeltaResponse(response).equals(encode('envoy.service.discovery.v3.DeltaDiscoveryResponse', response))).toBe(true);
    expect(roundTrip('envoy.service.discovery.v3.DeltaDiscoveryResponse', encodeDeltaResponse(response))).toEqual(
      roundTrip('envoy.service.discovery.v3.DeltaDiscoveryResponse', encode('envoy.service.discovery.v3.DeltaDiscoveryResponse', response)),
    );
  });

  it('decodes a DiscoveryRequest like proto-loader, with resource_names keyed by their bytes', () => {
    const request = {
      version_info: 'v1',
      node: { id: 'web-1', cluster: 'web', user_agent_name: 'envoy', metadata: { fields: { outbound_port: { string_value: '15002' } } } },
      resource_names: ['api', 'web', 'ünïcode'],
      type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      response_nonce: '4',
      error_detail: { code: 13, message: 'bad weight' },
    };
    const decoded = decodeSotwRequest(encode('envoy.service.discovery.v3.DiscoveryRequest', request));
    const expected = roundTrip('envoy.service.discovery.v3.DiscoveryRequest', encode('envoy.service.discovery.v3.DiscoveryRequest', request));
    expect({ ...decoded, resource_names: decoded.resource_names, resource_names_key: undefined }).toEqual({ ...expected, resource_names_key: undefined });

    const same = decodeSotwRequest(encode('envoy.service.discovery.v3.DiscoveryRequest', { ...request, response_nonce: '5', node: undefined }));
    const other = decodeSotwRequest(encode('envoy.service.discovery.v3.DiscoveryRequest', { ...request, resource_names: ['api', 'web'] }));
    expect(same.resource_names_key.equals(decoded.resource_names_key)).toBe(true);
    expect(other.resource_names_key.equals(decoded.resource_names_key)).toBe(false);
  });
});

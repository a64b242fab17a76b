import { ADS } from './config-source';
import { applyConfigEntries } from './config-entry-policy';
import { localTimeouts } from './local-service';
import { MeshSnapshot } from './mesh-snapshot';
import type { MeshModel, ProxyIdentity } from './model';
import { combineConfigEntries, parseConfigEntries } from '../consul/config-entries';
import { decodeResource, durationMs } from '../resources/decode.spec-helper';
import { TypeUrl } from '../resources/type-url';

function entries() {
  return combineConfigEntries(
    new Map([
      ['service-defaults', parseConfigEntries('service-defaults', [{ Kind: 'service-defaults', Name: 'api', LocalConnectTimeoutMs: 2500 }], '/v1/config/service-defaults')],
      ['proxy-defaults', parseConfigEntries('proxy-defaults', [{ Kind: 'proxy-defaults', Name: 'global', Config: { local_connect_timeout_ms: 400, local_request_timeout_ms: 9000 } }], '/v1/config/proxy-defaults')],
    ]),
  );
}

describe("the sidecar's timeouts to its own app", () => {
  it("take service-defaults' LocalConnectTimeoutMs and LocalRequestTimeoutMs, each else proxy-defaults', with a Connect registration's Proxy.Config over both", () => {
    const { config, problems } = applyConfigEntries(undefined, entries());
    expect(problems).toEqual([]);
    expect(localTimeouts(config, 'api')).toEqual({ connectTimeoutMs: 2500, requestTimeoutMs: 9000 });
    expect(localTimeouts(config, 'web')).toEqual({ connectTimeoutMs: 400, requestTimeoutMs: 9000 });
    expect(localTimeouts(config, 'api', { connectTimeoutMs: 100, requestTimeoutMs: undefined })).toEqual({ connectTimeoutMs: 100, requestTimeoutMs: 9000 });
    expect(localTimeouts(undefined, 'api')).toEqual({});
  });

  it('shape the local_app cluster and the inbound route', () => {
    const { config } = applyConfigEntries(undefined, entries());
    const model: MeshModel = {
      services: new Map([['api', { name: 'api', protocol: 'http', endpoints: [{ id: 'api-1', address: '127.0.0.1', port: 21000, appPort: 8080, sidecarPort: 21000, health: 'passing', weight: 1, tags: [], meta: {} }] }]]),
      config,
    };
    const proxy: ProxyIdentity = { id: 'api-1', service: 'api', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS };
    const view = MeshSnapshot.build(model).viewFor(proxy, 'api-1');
    expect(durationMs(decodeResource(view.resource(TypeUrl.Cluster, 'local_app')).connect_timeout as { seconds?: number })).toBe(2500);
    const inbound = JSON.stringify(decodeResource(view.resource(TypeUrl.Listener, 'inbound')));
    expect(inbound).toContain('"cluster":"local_app","timeout":{"seconds":9}');
  });
});

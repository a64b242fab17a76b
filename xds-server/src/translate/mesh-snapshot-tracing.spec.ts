import { ADS } from './config-source';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import { parseCollectorAddress, TRACING_CLUSTER, type TracingModel } from './tracing';
import { decodeResource } from '../resources/decode.spec-helper';
import { MeshSnapshot } from './mesh-snapshot';
import { TypeUrl } from '../resources/type-url';

const echo: ServiceModel = {
  name: 'echo',
  protocol: 'http',
  endpoints: [{ id: 'echo-1', address: '127.0.0.1', port: 9000, appPort: 8000, sidecarPort: 9000, health: 'passing', weight: 1, tags: [], meta: {} }],
};
const tracing: TracingModel = { collector: { host: '127.0.0.1', port: 4317 }, samplingPercent: 100 };
const proxy = (service: string): ProxyIdentity => ({ id: `${service}-1`, service, kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS });
/** The catalog instance the sidecar fronts. */
const local = 'echo-1';

function hcmOf(listener: ReturnType<typeof decodeResource>) {
  return listener.filter_chains[0].filters[0].typed_config;
}

describe('MeshSnapshot tracing', () => {
  const model = (t?: TracingModel): MeshModel => ({ services: new Map([['echo', echo]]), ...(t ? { tracing: t } : {}) });

  it('gives every sidecar listener an OpenTelemetry tracer and the collector cluster, over xDS only', () => {
    const view = MeshSnapshot.build(model(tracing)).viewFor(proxy('echo'), local);
    for (const name of ['outbound', 'inbound']) {
      const hcm = hcmOf(decodeResource(view.resource(TypeUrl.Listener, name)));
      expect(hcm.tracing.provider.name).toBe('envoy.tracers.opentelemetry');
      expect(hcm.tracing.provider.typed_config).toMatchObject({ service_name: 'echo-sidecar', grpc_service: { envoy_grpc: { cluster_name: TRACING_CLUSTER } } });
    }
    expect(decodeResource(view.resource(TypeUrl.Listener, 'outbound')).traffic_direction).toBe('OUTBOUND');
    expect(decodeResource(view.resource(TypeUrl.Listener, 'inbound')).traffic_direction).toBe('INBOUND');
    const collector = decodeResource(view.resource(TypeUrl.Cluster, TRACING_CLUSTER));
    expect(collector.type).toBe('STATIC');
    expect(collector.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toMatchObject({ address: '127.0.0.1', port_value: 4317 });
  });

  it('names the gateway as itself in traces', () => {
    const view = MeshSnapshot.build(model(tracing)).viewFor(proxy('gateway'), undefined);
    expect(hcmOf(decodeResource(view.resource(TypeUrl.Listener, 'gateway'))).tracing.provider.typed_config.service_name).toBe('gateway');
  });

  it('resolves a collector hostname with DNS', () => {
    const view = MeshSnapshot.build(model({ collector: parseCollectorAddress('http://jaeger:4317'), samplingPercent: 10 })).viewFor(proxy('echo'), local);
    expect(decodeResource(view.resource(TypeUrl.Cluster, TRACING_CLUSTER)).type).toBe('STRICT_DNS');
    expect(hcmOf(decodeResource(view.resource(TypeUrl.Listener, 'outbound'))).tracing.random_sampling.value).toBe(10);
  });

  it('sends neither tracer nor collector when tracing is off', () => {
    const view = MeshSnapshot.build(model()).viewFor(proxy('echo'), local);
    expect(hcmOf(decodeResource(view.resource(TypeUrl.Listener, 'outbound'))).tracing).toBeUndefined();
    expect(view.resource(TypeUrl.Cluster, TRACING_CLUSTER)).toBeUndefined();
  });

  it('rejects a collector address it cannot use, saying what it expects', () => {
    expect(() => parseCollectorAddress('jaeger:notaport')).toThrow(/expected host:port/);
  });
});

import { decodeResource, durationMs } from '../resources/decode.spec-helper';
import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import { serviceCluster, subsetCluster } from './cluster.translator';
import type { ServiceModel } from './model';
import { policy } from './policy-fixtures.spec-helper';

const service: ServiceModel = { name: 'approval', protocol: 'http', endpoints: [] };
const cluster = (message: object, name = 'approval') => decodeResource(encodeResource(TypeUrl.Cluster, name, message));

describe('serviceCluster', () => {
  it('keeps round robin, a 1 s connect timeout and a zero merge window without a policy', () => {
    const decoded = cluster(serviceCluster(service));
    expect(decoded.lb_policy ?? 'ROUND_ROBIN').toBe('ROUND_ROBIN');
    expect(durationMs(decoded.connect_timeout)).toBe(1000);
    expect(durationMs(decoded.common_lb_config.update_merge_window)).toBe(0);
    expect(decoded).not.toHaveProperty('circuit_breakers');
    expect(decoded).not.toHaveProperty('outlier_detection');
  });

  it('applies the connect timeout, balancer, circuit breaker, retry budget and outlier detection', () => {
    const p = policy('approval', {
      connectTimeoutMs: 250,
      loadBalancer: 'least_request',
      circuitBreaker: { maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4 },
      retryBudget: { percent: 20, minRetryConcurrency: 5 },
      outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: 2, intervalMs: 500, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 },
    });
    const decoded = cluster(serviceCluster(service, { policy: p }));
    expect(durationMs(decoded.connect_timeout)).toBe(250);
    expect(decoded.lb_policy).toBe('LEAST_REQUEST');
    expect(decoded.circuit_breakers.thresholds).toEqual([
      {
        max_connections: { value: 1 },
        max_pending_requests: { value: 2 },
        max_requests: { value: 3 },
        max_retries: { value: 4 },
        retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: { value: 5 } },
      },
    ]);
    const { interval, base_ejection_time, ...counts } = decoded.outlier_detection;
    expect(counts).toEqual({
      consecutive_5xx: { value: 3 },
      consecutive_gateway_failure: { value: 2 },
      enforcing_consecutive_gateway_failure: { value: 100 },
      max_ejection_percent: { value: 50 },
    });
    expect([durationMs(interval), durationMs(base_ejection_time)]).toEqual([500, 30_000]);
    expect(durationMs(decoded.common_lb_config.update_merge_window)).toBe(0);
  });

  it('maps every balancer to its Envoy name', () => {
    const names = (['round_robin', 'least_request', 'random', 'ring_hash', 'maglev'] as const).map(
      (lb) => cluster(serviceCluster(service, { policy: policy('approval', { loadBalancer: lb }) })).lb_policy ?? 'ROUND_ROBIN',
    );
    expect(names).toEqual(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV']);
  });

  it('gives proxyless gRPC clients round robin instead of a balancer they reject, and keeps ring hash', () => {
    const grpcLb = (lb: 'maglev' | 'ring_hash') =>
      cluster(serviceCluster(service, { policy: policy('approval', { loadBalancer: lb }), client: 'grpc' })).lb_policy ?? 'ROUND_ROBIN';
    expect(grpcLb('maglev')).toBe('ROUND_ROBIN');
    expect(grpcLb('ring_hash')).toBe('RING_HASH');
  });

  it('turns outlier detection on with Envoy defaults when the policy enables it without settings', () => {
    const p = policy('approval', {
      outlierDetection: { consecutive5xx: undefined, consecutiveGatewayErrors: undefined, intervalMs: undefined, baseEjectionTimeMs: undefined, maxEjectionPercent: undefined },
    });
    expect(serviceCluster(service, { policy: p })).toHaveProperty('outlier_detection', {});
  });
});

describe('subsetCluster', () => {
  it('is an EDS cluster named <service>~<subset> with the service policy', () => {
    const p = policy('approval', { loadBalancer: 'random', circuitBreaker: { maxConnections: 7, maxPendingRequests: undefined, maxRequests: undefined, maxRetries: undefined } });
    const decoded = cluster(subsetCluster(service, { name: 'v2', tags: [], meta: { version: 'v2' } }, { policy: p }), 'approval~v2');
    expect(decoded.name).toBe('approval~v2');
    expect(decoded.type).toBe('EDS');
    expect(decoded.eds_cluster_config.eds_config).toHaveProperty('ads');
    expect(decoded.lb_policy).toBe('RANDOM');
    expect(decoded.circuit_breakers.thresholds).toEqual([{ max_connections: { value: 7 } }]);
  });
});

describe('cluster TLS', () => {
  const identity = { trustDomain: 'td.consul', datacenter: 'dc1' };

  it("carries an UpstreamTlsContext for the destination when callers use mTLS, on subset clusters too", () => {
    for (const message of [serviceCluster(service, { tls: identity }), subsetCluster(service, { name: 'v2', tags: [], meta: {} }, { tls: identity })]) {
      const context = cluster(message).transport_socket.typed_config;
      expect(context['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
      expect(context.sni).toBe('approval.default.dc1.internal.td.consul');
      expect(context.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.exact).toBe(
        'spiffe://td.consul/ns/default/dc/dc1/svc/approval',
      );
    }
    expect(cluster(serviceCluster(service)).transport_socket).toBeUndefined();
  });
});

import { isIP } from 'node:net';
import { CONNECT_TIMEOUT, HTTP2_PROTOCOL_OPTIONS } from './cluster.translator';

/** Where Envoys send their spans: an OTLP/gRPC collector (Jaeger), set by the control plane's own options. */
export interface TracingModel {
  collector: { host: string; port: number };
  /** Share of requests that start a trace, 0..100; a request that arrives with a sampled traceparent is always traced. */
  samplingPercent: number;
}

export const TRACING_CLUSTER = 'mesh_otlp_collector';

/**
 * The collector as a cluster of every proxy, so tracing needs nothing in the bootstrap.
 * OTLP/gRPC is HTTP/2; a hostname (compose, DNS) resolves with STRICT_DNS.
 */
export function tracingCluster(tracing: TracingModel): object {
  const { host, port } = tracing.collector;
  return {
    name: TRACING_CLUSTER,
    type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: CONNECT_TIMEOUT,
    typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS,
    load_assignment: {
      cluster_name: TRACING_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
    },
  };
}

/**
 * The `tracing` block of an HTTP connection manager: Envoy's OpenTelemetry tracer, which
 * reads and writes W3C `traceparent`, reporting as `serviceName` (e.g. `user-sidecar`).
 */
export function hcmTracing(tracing: TracingModel | undefined, serviceName: string): object {
  if (!tracing) return {};
  return {
    tracing: {
      random_sampling: { value: tracing.samplingPercent },
      provider: {
        name: 'envoy.tracers.opentelemetry',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
          grpc_service: { envoy_grpc: { cluster_name: TRACING_CLUSTER }, timeout: { nanos: 250_000_000 } },
          service_name: serviceName,
        },
      },
    },
  };
}

/** How a proxy names itself in traces. */
export function tracingServiceName(service: string, role: 'sidecar' | 'gateway'): string {
  return role === 'gateway' ? service : `${service}-sidecar`;
}

/** Parses `host:port` or an `http(s)://host:port` OTLP endpoint. */
export function parseCollectorAddress(value: string): TracingModel['collector'] {
  const invalid = () => new Error(`invalid OTLP collector address "${value}": expected host:port, e.g. 127.0.0.1:4317`);
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw invalid();
  }
  const port = Number(url.port || 4317);
  if (!url.hostname || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid();
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

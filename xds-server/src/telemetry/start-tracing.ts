import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Every xDS method is a stream that lives as long as its proxy. Instrumented, each would
 * be one span lasting hours, so the gRPC instrumentation skips them all; translation and
 * pushes get their own short spans instead.
 */
export const XDS_STREAM_METHODS: readonly RegExp[] = [/^(Stream|Delta)(AggregatedResources|Clusters|Endpoints|Listeners|Routes|Secrets)$/];

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured (the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4317). Must run before grpc-js and
 * http are loaded, so the CLI imports the control plane after it.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): { shutdown(): Promise<void> } | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'xds-server',
    traceExporter: new OTLPTraceExporter(),
    // Traces only: the SDK would otherwise also export metrics and logs over OTLP by default.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url === '/metrics' || request.url === '/health' }),
      new GrpcInstrumentation({ ignoreGrpcMethods: [...XDS_STREAM_METHODS] }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { disabledTelemetry, installedTelemetry, installTelemetry, type TelemetryHandle } from './telemetry-handle';
import { telemetrySettings, type TelemetrySettings } from './telemetry-settings';

export { currentTelemetry, type TelemetryHandle } from './telemetry-handle';

/** Requests that are not part of any user journey: health checks and scrapes. */
const UNTRACED_PATHS = new Set(['/health', '/metrics']);

export function isUntracedPath(url: string | undefined): boolean {
  return UNTRACED_PATHS.has((url ?? '').split('?')[0] ?? '');
}

/**
 * The one place a service's process sets up tracing, called first thing in main.ts before
 * Nest, Express or http are loaded (auto-instrumentation patches them on load). With
 * OTEL_EXPORTER_OTLP_ENDPOINT set, spans go over OTLP/gRPC to that collector (Jaeger);
 * without it nothing is patched and nothing is recorded.
 */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): TelemetryHandle {
  const running = installedTelemetry();
  if (running) return running;
  const settings = telemetrySettings(service, env);
  return installTelemetry(settings.endpoint ? startSdk(settings) : disabledTelemetry(settings));
}

function startSdk(settings: TelemetrySettings): TelemetryHandle {
  const resource = resourceFromAttributes(settings.resourceAttributes);
  // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT itself; the processor OTEL_BSP_*.
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const sdk = new NodeSDK({
    resource,
    serviceName: settings.serviceName,
    spanProcessors: [spanProcessor],
    // Traces only: Prometheus scrapes the metrics, logs stay JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      getNodeAutoInstrumentations({
        // A span per file read, DNS lookup or socket would drown the requests.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request) => isUntracedPath(request.url),
          // Consul registration and its watchdog run outside any request: no root spans for them.
          requireParentforOutgoingSpans: true,
        },
        '@opentelemetry/instrumentation-undici': { requireParentforSpans: true },
        // Body parsers and the metrics middleware are not worth a span each; routes and handlers are.
        '@opentelemetry/instrumentation-express': { ignoreLayersType: [ExpressLayerType.MIDDLEWARE] },
        // trace_id/span_id in the log lines of a traced request; the lines themselves stay on stdout.
        '@opentelemetry/instrumentation-pino': { disableLogSending: true },
      }),
    ],
  });
  sdk.start();
  return { service: settings.serviceName, enabled: true, spanProcessor, resource, shutdown: () => sdk.shutdown() };
}

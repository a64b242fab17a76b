/**
 * The one place a service's process sets up tracing, called first thing in main.ts before
 * Nest, Express or http are loaded (auto-instrumentation patches them on load). Tracing
 * (OpenTelemetry, OTLP to Jaeger) plugs in here; until then this only records the name.
 */
export interface TelemetryHandle {
  service: string;
  shutdown(): Promise<void>;
}

export function startTelemetry(service: string): TelemetryHandle {
  return { service, shutdown: async () => undefined };
}

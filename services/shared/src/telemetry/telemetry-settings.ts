import { envOptionalString, envString, type Env } from '../config/env';

export interface TelemetrySettings {
  serviceName: string;
  /** OTLP/gRPC collector; tracing is off without one. */
  endpoint: string | undefined;
  resourceAttributes: Record<string, string>;
}

/**
 * The standard OpenTelemetry variables decide: OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on, OTEL_SDK_DISABLED=true turns it off,
 * OTEL_SERVICE_NAME overrides the service's own name. SERVICE_VERSION and SERVICE_ID (the
 * Consul registration's) become service.version and service.instance.id.
 */
export function telemetrySettings(service: string, env: Env): TelemetrySettings {
  const serviceName = envString(env, 'OTEL_SERVICE_NAME', service);
  const off = envString(env, 'OTEL_SDK_DISABLED', 'false').toLowerCase() === 'true';
  const endpoint = off ? undefined : (envOptionalString(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? envOptionalString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  const instance = envOptionalString(env, 'SERVICE_ID');
  return {
    serviceName,
    endpoint,
    resourceAttributes: {
      'service.name': serviceName,
      'service.version': envString(env, 'SERVICE_VERSION', 'v1'),
      ...(instance ? { 'service.instance.id': instance } : {}),
    },
  };
}

import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { telemetrySettings, type TelemetrySettings } from './telemetry-settings';

/** What startTelemetry() set up in this process. */
export interface TelemetryHandle {
  /** service.name of every span this process reports. */
  service: string;
  enabled: boolean;
  /** The exporting processor, for spans made outside the SDK's tracers (Temporal workflow spans). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let current: TelemetryHandle | undefined;

/**
 * The process's telemetry, without loading the SDK (Nest modules and unit tests use this):
 * a disabled handle, whose processor drops everything, when startTelemetry() did not run.
 */
export function currentTelemetry(): TelemetryHandle {
  return current ?? disabledTelemetry(telemetrySettings(process.env.SERVICE_NAME ?? 'unknown', {}));
}

export function installTelemetry(handle: TelemetryHandle): TelemetryHandle {
  current = handle;
  return handle;
}

export function installedTelemetry(): TelemetryHandle | undefined {
  return current;
}

export function disabledTelemetry(settings: TelemetrySettings): TelemetryHandle {
  return {
    service: settings.serviceName,
    enabled: false,
    spanProcessor: new NoopSpanProcessor(),
    resource: resourceFromAttributes(settings.resourceAttributes),
    shutdown: async () => undefined,
  };
}

import { currentTelemetry } from './telemetry-handle';
import { telemetrySettings } from './telemetry-settings';

describe('telemetrySettings', () => {
  it('is off without an OTLP endpoint, and names the service after the app', () => {
    expect(telemetrySettings('user', {})).toEqual({ serviceName: 'user', endpoint: undefined, resourceAttributes: { 'service.name': 'user', 'service.version': 'v1' } });
  });

  it('takes the endpoint, OTEL_SERVICE_NAME and the Consul identity from the environment', () => {
    const settings = telemetrySettings('user', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
      OTEL_SERVICE_NAME: 'user-canary',
      SERVICE_VERSION: 'v2',
      SERVICE_ID: 'user-pi-1',
    });
    expect(settings).toEqual({
      serviceName: 'user-canary',
      endpoint: 'http://127.0.0.1:4317',
      resourceAttributes: { 'service.name': 'user-canary', 'service.version': 'v2', 'service.instance.id': 'user-pi-1' },
    });
  });

  it('prefers the traces endpoint, and OTEL_SDK_DISABLED wins over both', () => {
    expect(telemetrySettings('a', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4317', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://y:4317' }).endpoint).toBe('http://y:4317');
    expect(telemetrySettings('a', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4317', OTEL_SDK_DISABLED: 'TRUE' }).endpoint).toBeUndefined();
    expect(telemetrySettings('a', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).endpoint).toBeUndefined();
  });

  it('without startTelemetry(), the process has a disabled handle whose processor drops spans', async () => {
    const handle = currentTelemetry();
    expect(handle.enabled).toBe(false);
    await expect(handle.spanProcessor.forceFlush()).resolves.toBeUndefined();
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });
});

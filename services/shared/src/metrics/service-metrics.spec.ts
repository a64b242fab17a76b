import { ServiceMetrics } from './service-metrics';

describe('ServiceMetrics', () => {
  it('exposes default process metrics under the service label', async () => {
    const text = await new ServiceMetrics('probe').registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total\{service="probe"\} /m);
    // The per-type series only appear while some handle is open; the total always does.
    expect(text).toMatch(/^nodejs_active_handles_total\{/m);
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
  });

  it('names only counters *_total, as promtool check metrics requires', async () => {
    const text = await new ServiceMetrics('probe').registry.metrics();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((t) => t.name.endsWith('_total') && t.type !== 'counter')).toEqual([]);
  });
});

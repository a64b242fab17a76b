import { ServiceMetrics } from './service-metrics';

describe('ServiceMetrics', () => {
  it('exposes default process metrics under the service label', async () => {
    const text = await new ServiceMetrics('probe').registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total\{service="probe"\} /m);
    // Handle and request gauges only have series while some are open; the heap always has one.
    expect(text).toMatch(/^nodejs_heap_size_total_bytes\{service="probe"\} /m);
    expect(text).toContain('# TYPE http_server_request_duration_seconds histogram');
  });

  it('names only counters *_total, as promtool check metrics requires', async () => {
    const text = await new ServiceMetrics('probe').registry.metrics();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((t) => t.name.endsWith('_total') && t.type !== 'counter')).toEqual([]);
  });
});

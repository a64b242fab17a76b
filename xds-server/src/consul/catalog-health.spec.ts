import type { BlockingQueryState } from './blocking-query';
import { catalogHealth } from './catalog-health';
import type { CatalogSnapshot } from './catalog-snapshot';
import type { WatchStatus } from './catalog-watcher';
import { ConsulUnreachableError } from './consul-errors';

const at = (iso: string): Date => new Date(iso);

function watch(name: string, state: Partial<BlockingQueryState> = {}): WatchStatus {
  return {
    name,
    path: `/v1/${name}`,
    index: '10',
    lastSuccessAt: at('2026-01-01T00:00:00Z'),
    lastError: undefined,
    lastErrorAt: undefined,
    consecutiveErrors: 0,
    failingSince: undefined,
    lastRead: undefined,
    running: true,
    ...state,
  };
}

const snapshot: CatalogSnapshot = {
  services: new Map([['web', []]]),
  observedAt: Date.parse('2026-01-01T00:00:00Z'),
  changed: ['web'],
  version: 'abc',
};

describe('catalogHealth', () => {
  it('is STARTING before the first snapshot while nothing fails', () => {
    const health = catalogHealth({ address: 'http://127.0.0.1:8500', snapshot: undefined, watches: [watch('catalog', { lastSuccessAt: undefined })] });
    expect(health).toEqual({ status: 'STARTING', consulAddress: 'http://127.0.0.1:8500', failingWatches: [], watches: 1 });
  });

  it('is UP with the latest success, the latest non-blocking read latency and the snapshot served', () => {
    const health = catalogHealth({
      address: 'http://127.0.0.1:8500',
      snapshot,
      watches: [
        watch('catalog', { lastRead: { latencyMs: 1.234, at: at('2026-01-01T00:00:00Z') } }),
        watch('health:web', { lastSuccessAt: at('2026-01-01T00:05:00Z'), lastRead: { latencyMs: 0.8, at: at('2026-01-01T00:01:00Z') } }),
      ],
    });
    expect(health).toEqual({
      status: 'UP',
      consulAddress: 'http://127.0.0.1:8500',
      failingWatches: [],
      watches: 2,
      lastSuccessAt: at('2026-01-01T00:05:00Z'),
      consulLatencyMs: 0.8,
      snapshot: { version: 'abc', services: 1, observedAt: at('2026-01-01T00:00:00Z') },
    });
  });

  it('is DEGRADED with the reason and start of the oldest failure', () => {
    const refused = new ConsulUnreachableError('http://127.0.0.1:8500', '/v1/catalog/services', 'ECONNREFUSED');
    const health = catalogHealth({
      address: 'http://127.0.0.1:8500',
      snapshot,
      watches: [
        watch('catalog', { consecutiveErrors: 3, lastError: refused, failingSince: at('2026-01-01T00:10:00Z') }),
        watch('health:web', { consecutiveErrors: 5, lastError: refused, failingSince: at('2026-01-01T00:09:59Z') }),
      ],
    });
    expect(health.status).toBe('DEGRADED');
    expect(health.failingWatches).toEqual(['catalog', 'health:web']);
    expect(health.degradedSince).toEqual(at('2026-01-01T00:09:59Z'));
    expect(health.reason).toBe(`health:web: ${refused.message}`);
    expect(health.snapshot?.version).toBe('abc');
  });

  it('says when there is nothing to serve yet', () => {
    const refused = new ConsulUnreachableError('http://127.0.0.1:8500', '/v1/catalog/services', 'ECONNREFUSED');
    const health = catalogHealth({
      address: 'http://127.0.0.1:8500',
      snapshot: undefined,
      watches: [watch('catalog', { lastSuccessAt: undefined, consecutiveErrors: 1, lastError: refused, failingSince: at('2026-01-01T00:00:00Z') })],
    });
    expect(health.status).toBe('DEGRADED');
    expect(health.reason).toMatch(/\(no catalog read yet, nothing to serve\)$/);
  });

  it('serialises to JSON for /health', () => {
    const json = JSON.parse(JSON.stringify(catalogHealth({ address: 'http://c:8500', snapshot, watches: [watch('catalog')] }))) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 'UP', lastSuccessAt: '2026-01-01T00:00:00.000Z' });
  });
});

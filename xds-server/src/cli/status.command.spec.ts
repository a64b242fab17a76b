import type { ProxyInfo } from '../admin/proxy-info';
import { renderCallers, renderHealth, renderPolicySources, renderStatus } from './status.command';

const proxy = (nodeId: string, certificate: ProxyInfo['certificate']): ProxyInfo => ({
  nodeId,
  service: nodeId.split('-')[0] ?? '',
  kind: 'envoy',
  protocol: 'SotW',
  connectedSince: '2026-01-01T00:00:00.000Z',
  types: { SDS: { status: 'SYNCED', acked: 'v1', lastNack: null } },
  certificate,
});

describe('mesh status', () => {
  it("prints each proxy's certificate serial and expiry, and flags one that cannot be renewed", () => {
    const out = renderStatus({
      controlPlane: 'cp',
      proxies: [
        proxy('api-1', { serialNumber: '3a:0f', spiffeId: 'spiffe://td/ns/default/dc/dc1/svc/api', validAfter: '2026-01-01T00:00:00.000Z', expires: '2026-01-04T00:00:00.000Z', renewable: true }),
        proxy('web-1', { serialNumber: '3b:10', spiffeId: 'spiffe://td/ns/default/dc/dc1/svc/web', validAfter: '2026-01-01T00:00:00.000Z', expires: '2026-01-01T01:00:00.000Z', renewable: false }),
        proxy('stranger-1', null),
      ],
    });
    expect(out).toContain('CERT SERIAL');
    expect(out).toMatch(/api-1 .*3a:0f .*2026-01-04T00:00:00.000Z /);
    expect(out).toMatch(/web-1 .*3b:10 .*2026-01-01T01:00:00.000Z \(NOT RENEWABLE\)/);
    expect(out).toMatch(/stranger-1 .*SYNCED │ - +│ - +│/);
  });

  it('summarises the Connect CA under the health line', () => {
    const out = renderHealth({
      status: 'DEGRADED',
      reasons: ['Connect CA: leaf:web expires soon and cannot be renewed; the current certificates keep serving'],
      ca: { status: 'DEGRADED', inUse: true, trustDomain: 'td.consul', roots: 2, leaves: 5, failingWatches: ['roots'], nextExpiry: { certificate: 'leaf:web', at: '2026-01-01T01:00:00.000Z' } },
    });
    expect(out.split('\n')).toEqual([
      'health: DEGRADED',
      '  Connect CA: leaf:web expires soon and cannot be renewed; the current certificates keep serving',
      'config: none (catalog only; start with --config to apply mesh.config.ts)',
      'connect CA: DEGRADED, trust domain td.consul, 2 roots, 5 leaves, next expiry leaf:web at 2026-01-01T01:00:00.000Z',
    ]);
  });
});

describe('renderCallers', () => {
  it('lists each restricted destination with what the DSL and the intentions decided', () => {
    const text = renderCallers([
      { service: 'open' },
      { service: 'legacy', callers: { allowed: ['api', 'gateway'], dsl: null, deniedByIntentions: ['web'], l7: [] } },
      { service: 'api', callers: { allowed: ['web'], dsl: ['web'], deniedByIntentions: [], l7: ['web'] } },
    ]);
    expect(text.split('\n')).toEqual([
      'callers (an explicit deny from the DSL or an intention wins):',
      '  legacy: allowed: api, gateway; DSL: any mesh caller; denied by intentions: web',
      '  api: allowed: web; DSL allowedCallers: web; per request (L7 intentions): web',
    ]);
    expect(renderCallers([{ service: 'open' }])).toBe('');
  });
});

describe('renderPolicySources', () => {
  it('lists the destinations a config entry shapes with their sources, then what is not served as written', () => {
    const text = renderPolicySources(
      [
        { service: 'web', sources: { text: 'all from mesh.config.ts', entries: {} } },
        { service: 'api', sources: { text: 'split from service-splitter/api; the rest from mesh.config.ts', entries: { split: 'service-splitter/api' } } },
        { service: 'ledger' },
        { service: 'user', sources: { text: "all from defaults; for web's calls, limits from service-defaults/web", entries: {}, callers: { web: { parts: ['limits'], source: 'service-defaults/web' } } } },
      ],
      ['service-router/api: Routes[0].Match.HTTP.PathRegex is not served by this control plane and is ignored'],
    );
    expect(text.split('\n')).toEqual([
      'policy sources (a config entry wins over mesh.config.ts):',
      '  api: split from service-splitter/api; the rest from mesh.config.ts',
      "  user: all from defaults; for web's calls, limits from service-defaults/web",
      'not served as written:',
      '  service-router/api: Routes[0].Match.HTTP.PathRegex is not served by this control plane and is ignored',
    ]);
    expect(renderPolicySources([{ service: 'web', sources: { text: 'all from mesh.config.ts', entries: {} } }], [])).toBe('');
  });
});

import { gatewayName, gatewayPort, gatewayRoutes } from './gateway';
import type { MeshModel, ServiceModel } from './model';
import type { GatewayModel } from './policy-model';

const svc = (name: string): ServiceModel => ({ name, protocol: 'http', endpoints: [] });

function mesh(gateway?: GatewayModel, withConfig = true): MeshModel {
  return {
    services: new Map(['auth', 'edge', 'gateway', 'user'].map((n) => [n, svc(n)])),
    ...(withConfig ? { config: { version: 'v', policies: new Map(), upstreams: new Map(), gateway } } : {}),
  };
}

describe('gateway', () => {
  it('defaults to node.cluster "gateway" on port 8080, publishing every other service as /<service>/', () => {
    for (const m of [mesh(undefined, false), mesh(undefined)]) {
      expect(gatewayName(m)).toBe('gateway');
      expect(gatewayPort(m, undefined)).toBe(8080);
      expect(gatewayRoutes(m)).toEqual([
        { prefix: '/auth/', service: 'auth', rewritePrefix: '/', methods: [] },
        { prefix: '/edge/', service: 'edge', rewritePrefix: '/', methods: [] },
        { prefix: '/user/', service: 'user', rewritePrefix: '/', methods: [] },
      ]);
    }
  });

  it('takes name, port and routes from the DSL, and the port from node metadata first', () => {
    const routes = [{ prefix: '/api/users/', service: 'user', rewritePrefix: '/users/', methods: [] }];
    const m = mesh({ name: 'edge', port: 9000, routes });
    expect(gatewayName(m)).toBe('edge');
    expect(gatewayPort(m, undefined)).toBe(9000);
    expect(gatewayPort(m, 18080)).toBe(18080);
    expect(gatewayRoutes(m)).toBe(routes);
  });
});

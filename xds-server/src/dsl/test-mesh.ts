import type { MeshDefinition } from './mesh-definition';

/** A small valid mesh for unit tests; every call returns a fresh copy to mutate. */
export function testMesh(): MeshDefinition {
  return {
    name: 'demo',
    nodes: {
      local: { address: '127.0.0.1', arch: 'amd64' },
      'pi-1': { address: '192.168.1.21', arch: 'arm64', labels: { rack: 'a' } },
    },
    services: {
      auth: {
        nodes: ['local'],
        command: 'node services/auth/dist/main.js',
        port: 3001,
        sidecar: { port: 21001, adminPort: 19001 },
      },
      user: {
        nodes: ['local'],
        command: 'node services/user/dist/main.js',
        port: 3002,
        upstreams: ['auth', { service: 'approval', localBindPort: 9103 }],
        sidecar: { port: 21002, adminPort: 19002 },
      },
      approval: {
        nodes: ['pi-1'],
        image: 'mesh/approval:1',
        port: 3003,
        sidecar: { port: 21003, adminPort: 19003 },
        versions: { v2: { nodes: ['pi-1'], tags: ['v2'] } },
        traffic: {
          subsets: { v1: { meta: { version: 'v1' } }, v2: { meta: { version: 'v2' } } },
          routes: [{ match: { headers: [{ name: 'x-canary', present: true }] }, split: [{ subset: 'v2', weight: 1 }] }],
          split: [
            { subset: 'v1', weight: 90 },
            { subset: 'v2', weight: 10 },
          ],
          retries: { retryOn: ['5xx'], numRetries: 2, perTryTimeout: '1s' },
          outlierDetection: { consecutive5xx: 3, interval: '5s' },
        },
      },
    },
    gateway: { node: 'local', routes: [{ prefix: '/auth/', service: 'auth' }] },
    defaults: { timeouts: { connect: '2s', request: '15s' } },
  };
}

import type { RouteModel } from '../translate/policy-model';
import { durationToMs, parseDuration } from './duration';
import { meshDefinitionVersion, shareUnchanged, toMeshConfigModel } from './mesh-config-model';
import type { MeshDefinition } from './mesh-definition';
import { testMesh } from './test-mesh';
import { validateMeshDefinition } from './validate-mesh';

function model(edit: (mesh: MeshDefinition) => MeshDefinition = (mesh) => mesh) {
  const result = validateMeshDefinition(edit(testMesh()));
  if (!result.ok) throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  return toMeshConfigModel(result.definition);
}

const catchAll = (routes: readonly RouteModel[]) => routes[routes.length - 1];

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0s', 0],
  ] as const)('%s is %d ms', (text, ms) => {
    expect(durationToMs(text)).toBe(ms);
  });

  it.each(['2', 's', '-1s', '1.5ms', '2 s', '1d', '1e3ms'])('%s is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('toMeshConfigModel', () => {
  it('produces a policy for every service, sorted by name, defaults applied', () => {
    const { policies } = model();
    expect([...policies.keys()]).toEqual(['approval', 'auth', 'user']);
    expect(policies.get('auth')).toEqual({
      service: 'auth',
      subsets: [],
      routes: [
        {
          path: { kind: 'prefix', value: '/' },
          headers: [],
          methods: [],
          rewritePrefix: undefined,
          split: [],
          retries: undefined,
          timeoutMs: 15_000,
          idleTimeoutMs: undefined,
          fault: undefined,
        },
      ],
      connectTimeoutMs: 2000,
      circuitBreaker: undefined,
      retryBudget: undefined,
      outlierDetection: undefined,
      loadBalancer: 'round_robin',
      mtls: 'off',
      allowedCallers: undefined,
      failover: [],
    });
  });

  it('converts a full traffic policy and ends the routes with the service-level catch-all', () => {
    const policy = model((mesh) => {
      const approval = mesh.services.approval!;
      return {
        ...mesh,
        services: {
          ...mesh.services,
          approval: {
            ...approval,
            traffic: {
              ...approval.traffic,
              subsets: { v2: { tags: ['v2', 'canary'], meta: { version: 'v2', track: 'b' } }, v1: { meta: { version: 'v1' } } },
              routes: [
                {
                  match: { path: { exact: '/slow' }, methods: ['GET'], headers: [{ name: 'x-user', regex: '^a' }] },
                  rewritePrefix: '/',
                  timeout: '30s',
                  fault: { delay: { percent: 10, duration: '250ms' } },
                },
              ],
              retries: {
                retryOn: ['5xx', 'retriable-status-codes'],
                numRetries: 3,
                retriableStatusCodes: [503],
                backoff: { base: '25ms', max: '250ms' },
                budget: { percent: 20 },
              },
              timeouts: { idle: '5m' },
              circuitBreaker: { maxPendingRequests: 1 },
              fault: { abort: { percent: 5, httpStatus: 503 } },
              loadBalancer: 'least_request',
              mtls: 'strict',
              allowedCallers: ['user', 'auth', 'user'],
            },
          },
        },
      };
    }).policies.get('approval')!;

    const retries = {
      retryOn: '5xx,retriable-status-codes',
      numRetries: 3,
      perTryTimeoutMs: undefined,
      backoff: { baseMs: 25, maxMs: 250 },
      retriableStatusCodes: [503],
      budget: { percent: 20, minRetryConcurrency: undefined },
    };
    expect(policy.subsets).toEqual([
      { name: 'v1', tags: [], meta: { version: 'v1' } },
      { name: 'v2', tags: ['canary', 'v2'], meta: { track: 'b', version: 'v2' } },
    ]);
    expect(policy.routes).toEqual([
      {
        path: { kind: 'exact', value: '/slow' },
        headers: [{ name: 'x-user', kind: 'regex', value: '^a' }],
        methods: ['GET'],
        rewritePrefix: '/',
        split: [],
        retries,
        timeoutMs: 30_000,
        idleTimeoutMs: 300_000,
        fault: { delay: { percent: 10, durationMs: 250 }, abort: undefined },
      },
      {
        path: { kind: 'prefix', value: '/' },
        headers: [],
        methods: [],
        rewritePrefix: undefined,
        split: [
          { subset: 'v1', weight: 90 },
          { subset: 'v2', weight: 10 },
        ],
        retries,
        timeoutMs: 15_000,
        idleTimeoutMs: 300_000,
        fault: { delay: undefined, abort: { percent: 5, httpStatus: 503 } },
      },
    ]);
    expect(policy.connectTimeoutMs).toBe(2000);
    expect(policy.retryBudget).toEqual({ percent: 20, minRetryConcurrency: undefined });
    expect(policy.circuitBreaker).toEqual({ maxConnections: undefined, maxPendingRequests: 1, maxRequests: undefined, maxRetries: undefined });
    expect(policy.loadBalancer).toBe('least_request');
    expect(policy.mtls).toBe('strict');
    expect(policy.allowedCallers).toEqual(['auth', 'user']);
  });

  it('lets a route rule inherit the service retries and request timeout', () => {
    const [canary, last] = model().policies.get('approval')!.routes;
    expect(canary?.headers).toEqual([{ name: 'x-canary', kind: 'present', value: true }]);
    expect(canary?.path).toEqual({ kind: 'prefix', value: '/' });
    expect(canary?.split).toEqual([{ subset: 'v2', weight: 1 }]);
    expect(canary?.retries).toEqual(last?.retries);
    expect(canary?.retries?.perTryTimeoutMs).toBe(1000);
    expect(canary?.timeoutMs).toBe(15_000);
  });

  it('merges mesh defaults under each service: retries whole, the rest field by field', () => {
    const { policies } = model((mesh) => ({
      ...mesh,
      defaults: {
        retries: { retryOn: ['connect-failure'], numRetries: 1 },
        timeouts: { connect: '1s', request: '10s' },
        outlierDetection: { consecutive5xx: 5, maxEjectionPercent: 50 },
        loadBalancer: 'random',
        mtls: 'permissive',
      },
    }));
    const auth = policies.get('auth')!;
    expect(catchAll(auth.routes)?.retries?.retryOn).toBe('connect-failure');
    expect(auth.loadBalancer).toBe('random');
    expect(auth.mtls).toBe('permissive');
    const approval = policies.get('approval')!;
    expect(catchAll(approval.routes)?.retries?.retryOn).toBe('5xx');
    expect(catchAll(approval.routes)?.timeoutMs).toBe(10_000);
    expect(approval.connectTimeoutMs).toBe(1000);
    expect(approval.outlierDetection).toEqual({
      consecutive5xx: 3,
      consecutiveGatewayErrors: undefined,
      intervalMs: 5000,
      baseEjectionTimeMs: undefined,
      maxEjectionPercent: 50,
    });
  });

  it('normalises upstreams for every service, sorted by name', () => {
    const { upstreams } = model((mesh) => ({
      ...mesh,
      services: { ...mesh.services, user: { ...mesh.services.user!, upstreams: [{ service: 'approval', localBindPort: 9103 }, 'auth'] } },
    }));
    expect([...upstreams.entries()]).toEqual([
      ['approval', []],
      ['auth', []],
      [
        'user',
        [
          { service: 'approval', localBindPort: 9103 },
          { service: 'auth', localBindPort: undefined },
        ],
      ],
    ]);
  });

  it('fills in gateway defaults, and has no gateway when the DSL has none', () => {
    expect(model().gateway).toEqual({ name: 'gateway', port: 8080, routes: [{ prefix: '/auth/', service: 'auth', rewritePrefix: undefined, methods: [] }] });
    expect(
      model((mesh) => ({ ...mesh, gateway: { node: 'local', port: 8443, routes: [{ prefix: '/u/', service: 'user', rewritePrefix: '/api/', methods: ['POST', 'GET'] }] } })).gateway,
    ).toEqual({ name: 'gateway', port: 8443, routes: [{ prefix: '/u/', service: 'user', rewritePrefix: '/api/', methods: ['GET', 'POST'] }] });
    expect(model(({ gateway: _gateway, ...mesh }) => mesh).gateway).toBeUndefined();
  });

  it('lets the gateway call the services it routes to when they restrict their callers', () => {
    const restricted = model((mesh) => ({
      ...mesh,
      services: {
        ...mesh.services,
        auth: { ...mesh.services.auth!, traffic: { allowedCallers: ['user'] } },
        user: { ...mesh.services.user!, traffic: { allowedCallers: ['auth'] } },
      },
    }));
    expect(restricted.policies.get('auth')!.allowedCallers).toEqual(['gateway', 'user']);
    expect(restricted.policies.get('user')!.allowedCallers).toEqual(['auth']);
  });

  it('versions by content: key order does not matter, any change does', () => {
    const mesh = testMesh();
    const reordered: MeshDefinition = { defaults: mesh.defaults, gateway: mesh.gateway, services: mesh.services, nodes: mesh.nodes, name: mesh.name };
    expect(meshDefinitionVersion(reordered)).toBe(meshDefinitionVersion(mesh));
    expect(meshDefinitionVersion(mesh)).toMatch(/^[0-9a-f]{16}$/);
    expect(meshDefinitionVersion({ ...mesh, name: 'other' })).not.toBe(meshDefinitionVersion(mesh));
    expect(model().version).toBe(meshDefinitionVersion(testMesh()));
  });

  it('shares unchanged policies with the previous model, so a reload touches only what changed', () => {
    const before = model();
    const after = shareUnchanged(
      before,
      model((mesh) => ({ ...mesh, services: { ...mesh.services, auth: { ...mesh.services.auth!, traffic: { loadBalancer: 'random' } } } })),
    );
    expect(after.version).not.toBe(before.version);
    expect(after.policies.get('approval')).toBe(before.policies.get('approval'));
    expect(after.policies.get('user')).toBe(before.policies.get('user'));
    expect(after.policies.get('auth')).not.toBe(before.policies.get('auth'));
    expect(after.policies.get('auth')?.loadBalancer).toBe('random');
    expect(after.upstreams.get('user')).toBe(before.upstreams.get('user'));
    expect(after.gateway).toBe(before.gateway);
  });
});

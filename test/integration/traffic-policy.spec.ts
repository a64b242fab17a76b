import { join } from 'node:path';
import { adsBootstrap, freePort, httpGet, ProcessSupervisor, startConsul, startEnvoy, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { registerService } from '../support/consul-api';
import { startControlPlane } from '../support/control-plane';
import { envoyStat } from '../support/envoy-admin';
import { MeshConfigFile } from '../support/mesh-config-file';
import { suiteRunDir } from '../support/run-dir';
import { answeredBy, burst, tally, viaSidecar } from '../support/traffic';

const UPSTREAM = join(__dirname, '..', 'fixtures', 'policy-upstream.mjs');
const FAIL_FIRST = 2;

/** The policies under test, one destination service each, written in the DSL as a user would. */
const MESH = `import { defineMesh } from '@mesh/xds-server';

const on = { nodes: ['local'] as const, command: 'policy-upstream' };

export default defineMesh({
  name: 'policy',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  services: {
    client: { ...on, port: 7001, sidecar: { port: 7101, adminPort: 7201 }, upstreams: ['flaky', 'canary', 'ejecting', 'slow'] },
    flaky: {
      ...on, port: 7002, sidecar: { port: 7102, adminPort: 7202 },
      traffic: { retries: { retryOn: ['5xx'], numRetries: 3, backoff: { base: '10ms', max: '50ms' } } },
    },
    canary: {
      ...on, port: 7003, sidecar: { port: 7103, adminPort: 7203 },
      traffic: {
        subsets: { v1: { meta: { version: 'v1' } }, v2: { meta: { version: 'v2' } } },
        split: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }],
      },
    },
    ejecting: {
      ...on, port: 7004, sidecar: { port: 7104, adminPort: 7204 },
      traffic: { outlierDetection: { consecutive5xx: 3, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 50 } },
    },
    slow: {
      ...on, port: 7005, sidecar: { port: 7105, adminPort: 7205 },
      traffic: { circuitBreaker: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1 } },
    },
  },
});
`;

describe('traffic policy from the DSL, real Consul and Envoy', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('traffic-policy'));
  let consul: ConsulHandle;
  let envoy: EnvoyHandle;
  let outboundPort: number;

  /** Starts a policy-upstream and registers it in Consul. */
  async function upstream(service: string, instance: string, args: string[] = [], meta: Record<string, string> = {}): Promise<void> {
    const port = await freePort();
    await supervisor.start({
      name: instance,
      command: process.execPath,
      args: [UPSTREAM, instance, String(port), ...args],
      ready: () => httpGet(`http://127.0.0.1:${port}/health`),
    });
    await registerService(consul.httpAddr, { id: instance, name: service, port, meta });
  }

  beforeAll(async () => {
    const config = new MeshConfigFile('traffic-policy');
    config.write(MESH);
    consul = await startConsul(supervisor);
    await upstream('flaky', 'flaky-a', ['--fail-first', String(FAIL_FIRST)]);
    await upstream('canary', 'canary-v1', [], { version: 'v1' });
    await upstream('canary', 'canary-v2', [], { version: 'v2' });
    await upstream('ejecting', 'ejecting-good');
    await upstream('ejecting', 'ejecting-bad', ['--always-fail', '--fail-status', '500']);
    await upstream('slow', 'slow-a', ['--delay-ms', '400']);
    const controlPlane = await startControlPlane(supervisor, consul.httpAddr, undefined, {}, config.path);
    outboundPort = await freePort();
    envoy = await startEnvoy(supervisor, {
      name: 'envoy-client',
      bootstrap: (adminPort) =>
        adsBootstrap({ nodeId: 'client-1', service: 'client', xdsAddress: '127.0.0.1', xdsPort: controlPlane.xdsPort, apiType: 'GRPC', metadata: { outbound_port: outboundPort } }, adminPort),
    });
    // Routable once every cluster (subsets included) has its endpoints.
    await waitFor(
      'every upstream routable',
      async () => {
        const statuses = await Promise.all(['canary', 'slow'].map(async (host) => (await viaSidecar(outboundPort, host)).status));
        return statuses.every((s) => s === 200);
      },
      { timeoutMs: 30_000 },
    );
  });
  afterAll(() => supervisor.stopAll());

  it(`retries an upstream that fails its first ${FAIL_FIRST} requests, and the caller never sees the failures`, async () => {
    const result = await viaSidecar(outboundPort, 'flaky');
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ instance: 'flaky-a', request: FAIL_FIRST + 1 });
    expect(await envoyStat(envoy.adminUrl, 'cluster.flaky.upstream_rq_retry')).toBe(FAIL_FIRST);
  });

  it('splits 90/10 across subsets chosen by Consul meta, within 3 points over 1,000 requests', async () => {
    const results = await burst(1000, 16, () => viaSidecar(outboundPort, 'canary'));
    const counts = tally(results.map(answeredBy));
    expect(Object.keys(counts).sort()).toEqual(['canary-v1', 'canary-v2']);
    const v2Share = (100 * (counts['canary-v2'] ?? 0)) / results.length;
    process.stderr.write(`canary split over ${results.length} requests: ${JSON.stringify(counts)} (v2 ${v2Share.toFixed(1)} %)\n`);
    expect(Math.abs(v2Share - 10)).toBeLessThanOrEqual(3);
  });

  it('ejects an instance that keeps answering 5xx', async () => {
    const ejected = await waitFor(
      'outlier_detection.ejections_active >= 1',
      async () => {
        await viaSidecar(outboundPort, 'ejecting');
        const active = await envoyStat(envoy.adminUrl, 'cluster.ejecting.outlier_detection.ejections_active');
        return active >= 1 ? active : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 10 },
    );
    expect(ejected).toBe(1);
    // With the bad instance out, every call lands on the good one.
    const after = await burst(20, 4, () => viaSidecar(outboundPort, 'ejecting'));
    expect(tally(after.map(answeredBy))).toEqual({ 'ejecting-good': 20 });
  });

  it('overflows the circuit breaker under a concurrent burst', async () => {
    const results = await burst(30, 30, () => viaSidecar(outboundPort, 'slow', '/hello', 15_000));
    const overflowed = await envoyStat(envoy.adminUrl, 'cluster.slow.upstream_rq_pending_overflow');
    expect(overflowed).toBeGreaterThan(0);
    // Every rejection is Envoy's own overflow answer, never one from the upstream.
    const rejected = results.filter((r) => r.status !== 200);
    expect(rejected.length).toBeGreaterThanOrEqual(overflowed);
    expect(rejected.every((r) => r.status === 503 && r.headers['x-envoy-overloaded'] === 'true')).toBe(true);
    expect(results.length - rejected.length).toBeGreaterThan(0);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpGet, ProcessSupervisor, startConsul, startEnvoy, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { consulBootstrap, consulConfigWrite, consulGatewayBootstrap, registerWithSidecar, untilChecks, WEB_SERVICE_DEFAULTS } from '../support/consul-connect';
import { startControlPlane } from '../support/control-plane';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';

const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');
const DEADLINE = { timeoutMs: 60_000, intervalMs: 100 };
const REQUESTS = 400;
const INSTANCES = [
  { id: 'api-1', name: 'api', meta: { version: '1' } },
  { id: 'api-2', name: 'api', meta: { version: '2' } },
  { id: 'api-backup-1', name: 'api-backup', meta: {} },
  { id: 'raw-1', name: 'raw', meta: {} },
] as const;

type ConfigEntry = { Kind: string; Name: string } & Record<string, unknown>;

/** The same entries go to both Consuls, as `consul config write` files. */
const ENTRIES: ConfigEntry[] = [
  { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } },
  // raw is tcp whatever proxy-defaults says: service-defaults wins.
  { Kind: 'service-defaults', Name: 'raw', Protocol: 'tcp' },
  {
    Kind: 'service-resolver',
    Name: 'api',
    DefaultSubset: 'v1',
    Subsets: { v1: { Filter: 'Service.Meta.version == 1' }, v2: { Filter: 'Service.Meta.version == 2' } },
    Failover: { '*': { Targets: [{ Service: 'api-backup' }] } },
  },
  {
    Kind: 'service-splitter',
    Name: 'api',
    Splits: [
      { Weight: 80, ServiceSubset: 'v1', RequestHeaders: { Add: { 'x-split-v1': '1' } } },
      { Weight: 20, ServiceSubset: 'v2', RequestHeaders: { Set: { 'x-split': 'v2' }, Remove: ['x-drop'] } },
    ],
  },
  {
    Kind: 'service-router',
    Name: 'api',
    Routes: [
      { Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { ServiceSubset: 'v2' } },
      { Match: { HTTP: { Header: [{ Name: 'x-canary', Exact: '1' }] } }, Destination: { ServiceSubset: 'v2' } },
      { Match: { HTTP: { PathPrefix: '/slow' } }, Destination: { RequestTimeout: '500ms' } },
      { Match: { HTTP: { PathPrefix: '/flaky' } }, Destination: { ServiceSubset: 'v2', NumRetries: 2, RetryOnStatusCodes: [503] } },
    ],
  },
];

/**
 * The ingress gateway's entry: api under Consul's default Host with header changes, api-backup
 * under its own Host; a passive health check for every service, api's own over it. No limits: Consul 1.22.6's own
 * xDS server panics on an ingress entry with MaxConnections and the like (README).
 */
function ingressEntry(port: number): ConfigEntry {
  return {
    Kind: 'ingress-gateway',
    Name: 'ingress',
    Defaults: { PassiveHealthCheck: { Interval: '4s', MaxFailures: 6 } },
    Listeners: [
      {
        Port: port,
        Protocol: 'http',
        Services: [
          {
            Name: 'api',
            RequestHeaders: { Add: { 'x-via': 'ingress' }, Remove: ['x-drop'] },
            ResponseHeaders: { Set: { 'x-gateway': 'ingress' } },
            PassiveHealthCheck: { MaxFailures: 7 },
          },
          { Name: 'api-backup', Hosts: ['backup.example.com'] },
        ],
      },
    ],
  };
}

interface Answer {
  status: number;
  instance?: string;
  attempts?: number;
  headers?: Record<string, string>;
  /** The response's x-gateway header, which only the ingress entry sets. */
  gateway?: string | string[];
}

/** One mesh: a Consul with the registrations and entries, and an Envoy per sidecar on one xDS server. */
interface World {
  name: 'consul' | 'ours';
  consul: ConsulHandle;
  /** web's upstream listener for api. */
  upstream: number;
  /** web's upstream listener for raw. */
  rawUpstream: number;
  /** The ingress gateway's listener. */
  ingress: number;
  envoys: Map<string, EnvoyHandle>;
  /** Each instance's sidecar port in this world's registrations. */
  sidecarPorts: Map<string, number>;
}

/**
 * Consul's own xDS server is the oracle. Two Consuls hold the same registrations and config
 * entries; in one, every sidecar's Envoy runs from `consul connect envoy -bootstrap` on Consul's
 * gRPC port, in the other from the same command with `-grpc-addr` at this control plane. The
 * apps are shared, so both meshes reach the very same instances, and each request goes through
 * both webs' upstream listeners.
 */
describe("Consul's built-in xDS and this control plane, side by side on the same registrations and config entries", () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('consul-differential'));
  const apps = new Map<string, number>();
  const worlds: World[] = [];
  const figures: string[] = [];
  const web = (name: World['name']) => worlds.find((w) => w.name === name)!.envoys.get('web-1')!;

  async function world(name: World['name']): Promise<World> {
    const consul = await startConsul(supervisor, { name: `consul-${name}` });
    const upstream = await freePort();
    const rawUpstream = await freePort();
    const sidecarPorts = new Map<string, number>();
    for (const instance of INSTANCES) {
      sidecarPorts.set(instance.id, await freePort());
      await registerWithSidecar(consul, { ...instance, port: apps.get(instance.id)!, sidecar: { Port: sidecarPorts.get(instance.id) } });
    }
    await registerWithSidecar(consul, { id: 'web-1', name: 'web', port: apps.get('web-1')!, sidecar: { Port: await freePort(), Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: upstream }, { DestinationName: 'raw', LocalBindPort: rawUpstream }] } } });
    const ingress = await freePort();
    for (const [i, entry] of [...ENTRIES, ingressEntry(ingress)].entries()) {
      const file = join(supervisor.runDir, `${name}-${i}-${entry.Kind}.json`);
      writeFileSync(file, JSON.stringify(entry));
      await consulConfigWrite(consul, file);
    }
    const xdsPort = name === 'consul' ? consul.ports.grpc : (await startControlPlane(supervisor, consul.httpAddr)).xdsPort;
    const envoys = new Map<string, EnvoyHandle>();
    for (const id of [...INSTANCES.map((i) => i.id), 'web-1']) {
      const adminPort = await freePort();
      const bootstrap = await consulBootstrap(consul, { sidecarFor: id, xdsPort, adminPort });
      envoys.set(id, await startEnvoy(supervisor, { name: `envoy-${name}-${id}`, adminPort, bootstrap: () => bootstrap }));
    }
    const adminPort = await freePort();
    // The registered port is the bootstrap's own envoy_ready_listener, which Consul's check dials.
    const bootstrap = await consulGatewayBootstrap(consul, { kind: 'ingress', service: 'ingress', address: `127.0.0.1:${await freePort()}`, xdsPort, adminPort });
    envoys.set('ingress', await startEnvoy(supervisor, { name: `envoy-${name}-ingress`, adminPort, bootstrap: () => bootstrap }));
    return { name, consul, upstream, rawUpstream, ingress, envoys, sidecarPorts };
  }

  async function untilAllPassing(w: World): Promise<void> {
    await waitFor(`${w.name}: every check passing`, async () => {
      const checks = JSON.parse(await httpGet(`${w.consul.httpAddr}/v1/health/state/any`)) as Array<{ ServiceID: string; Status: string }>;
      const failing = checks.filter((c) => c.Status !== 'passing').map((c) => c.ServiceID);
      if (failing.length) throw new Error(`not passing: ${failing.join(', ')}`);
      return true;
    }, DEADLINE);
  }

  /** A request through web's upstream listener for api, or through the ingress gateway's listener. */
  async function call(w: World, path: string, headers: Record<string, string> = {}, via: 'web' | 'ingress' = 'web'): Promise<Answer> {
    const result = await httpRequest(`http://127.0.0.1:${via === 'web' ? w.upstream : w.ingress}${path}`, { headers });
    const body = result.status === 200 || result.body.startsWith('{') ? (JSON.parse(result.body) as { instance: string; attempts?: number; headers?: Record<string, string> }) : undefined;
    return { status: result.status, instance: body?.instance, attempts: body?.attempts, headers: body?.headers, gateway: result.headers['x-gateway'] };
  }

  /**
   * Consul's checks pass before every Envoy has heard: each learns of api's passing instances
   * on its own stream, and fails over to api-backup until then. Waits until web's upstream and
   * the ingress gateway both reach api ten times in a row.
   */
  async function untilApiAnswers(w: World): Promise<void> {
    await waitFor(`${w.name}: api answers through web and the ingress gateway`, async () => {
      for (let i = 0; i < 10; i++) {
        const viaWeb = await call(w, '/').catch(() => undefined);
        const viaIngress = await call(w, '/', { host: 'api.ingress.consul' }, 'ingress').catch(() => undefined);
        if (![viaWeb?.instance, viaIngress?.instance].every((instance) => instance === 'api-1' || instance === 'api-2')) return undefined;
      }
      return true;
    }, DEADLINE);
  }

  /** The instance counts of `count` requests through each world. */
  async function tally(path: string, count: number, headers: Record<string, string> = {}, via: 'web' | 'ingress' = 'web'): Promise<Record<World['name'], Record<string, number>>> {
    const out = { consul: {}, ours: {} } as Record<World['name'], Record<string, number>>;
    for (const w of worlds) {
      for (let i = 0; i < count; i++) {
        const { instance = 'none' } = await call(w, path, headers, via);
        out[w.name][instance] = (out[w.name][instance] ?? 0) + 1;
      }
    }
    return out;
  }

  beforeAll(async () => {
    for (const id of [...INSTANCES.map((i) => i.id), 'web-1']) {
      const port = await freePort();
      apps.set(id, port);
      await supervisor.start({ name: id, command: process.execPath, args: [ECHO, id, String(port)], ready: () => httpGet(`http://127.0.0.1:${port}/health`) });
    }
    worlds.push(await world('consul'), await world('ours'));
    // Consul's "Connect Sidecar Listening" checks pass within their 10 s interval of each Envoy binding its port.
    for (const w of worlds) await untilAllPassing(w);
    for (const w of worlds) await untilApiAnswers(w);
  });
  afterAll(async () => {
    if (figures.length) console.log(figures.join('\n'));
    await supervisor.stopAll();
  });

  it("splits the default route 80/20 over the resolver's subsets in both, within tolerance of each other", async () => {
    const counts = await tally('/', REQUESTS);
    for (const w of worlds) {
      expect(Object.keys(counts[w.name]).sort()).toEqual(['api-1', 'api-2']);
      // 3.5 standard deviations of an 80/20 split of 400 either side of 80.
      expect(counts[w.name]['api-2']).toBeGreaterThanOrEqual(52);
      expect(counts[w.name]['api-2']).toBeLessThanOrEqual(108);
    }
    // The two differ by less than 3.5 standard deviations of the difference of two such splits.
    expect(Math.abs(counts.consul['api-2']! - counts.ours['api-2']!)).toBeLessThanOrEqual(40);
    figures.push(`split of ${REQUESTS} to v2: Consul ${counts.consul['api-2']}, ours ${counts.ours['api-2']}`);
  });

  it("changes request headers per split as the splitter says, on that split's share only, in both", async () => {
    const seen: Record<string, Record<string, string[]>> = {};
    for (const w of worlds) {
      const byInstance: Record<string, Set<string>> = {};
      for (let i = 0; i < 100; i++) {
        const answer = await call(w, '/', { 'x-drop': 'yes' });
        const marks = [`x-split=${answer.headers?.['x-split'] ?? '-'}`, `x-split-v1=${answer.headers?.['x-split-v1'] ?? '-'}`, `x-drop=${answer.headers?.['x-drop'] ?? '-'}`];
        byInstance[answer.instance ?? 'none'] = new Set([...(byInstance[answer.instance ?? 'none'] ?? []), marks.join(' ')]);
      }
      seen[w.name] = Object.fromEntries(Object.entries(byInstance).map(([instance, set]) => [instance, [...set].sort()]));
    }
    expect(seen.ours).toEqual({ 'api-1': ['x-split=- x-split-v1=1 x-drop=yes'], 'api-2': ['x-split=v2 x-split-v1=- x-drop=-'] });
    expect(seen.ours).toEqual(seen.consul);
  });

  it('matches the router\'s path and header rules the same way', async () => {
    expect(await tally('/admin/users', 30)).toEqual({ consul: { 'api-2': 30 }, ours: { 'api-2': 30 } });
    expect(await tally('/', 30, { 'x-canary': '1' })).toEqual({ consul: { 'api-2': 30 }, ours: { 'api-2': 30 } });
  });

  it('differs by design on a route without PrefixRewrite: Consul 1.22 strips the matched prefix, we forward the path as sent', async () => {
    // Consul's documentation says the path is rewritten only when PrefixRewrite is set; Consul
    // 1.22.6 treats an empty one as "/" (agent/xds/routes.go). README "Coming from Consul Connect".
    const path = async (w: World) => JSON.parse((await httpRequest(`http://127.0.0.1:${w.upstream}/admin/users?page=2`)).body).path as string;
    expect(await path(worlds[0]!)).toBe('/users?page=2');
    expect(await path(worlds[1]!)).toBe('/admin/users?page=2');
  });

  it("ends a request past the route's RequestTimeout with 504 in both, and lets a quicker one through", async () => {
    for (const w of worlds) {
      expect([w.name, (await call(w, '/slow', { 'x-echo-delay-ms': '1500' })).status]).toEqual([w.name, 504]);
      expect([w.name, (await call(w, '/slow', { 'x-echo-delay-ms': '50' })).status]).toEqual([w.name, 200]);
    }
  });

  it("retries a 503 per the route's RetryOnStatusCodes in both: the second attempt answers", async () => {
    for (const w of worlds) {
      for (let n = 0; n < 5; n++) {
        const { status, instance, attempts } = await call(w, '/flaky', { 'x-echo-flaky': `${w.name}-${n}` });
        expect([w.name, { status, instance, attempts }]).toEqual([w.name, { status: 200, instance: 'api-2', attempts: 2 }]);
      }
    }
  });

  it("fails over to api-backup in both while api's instances are critical, and returns when they pass", async () => {
    await Promise.all(['api-1', 'api-2'].map((id) => httpRequest(`http://127.0.0.1:${apps.get(id)}/admin/health/fail`)));
    try {
      // The two instances' checks fail a second apart: wait for both, then for the change to reach each web.
      for (const w of worlds) {
        await untilChecks(w.consul, 'api', 'critical', 2);
        await waitFor(`${w.name}: api-backup answers`, async () => {
          for (let i = 0; i < 10; i++) if ((await call(w, '/')).instance !== 'api-backup-1') return undefined;
          return true;
        }, DEADLINE);
      }
      expect(await tally('/', 30)).toEqual({ consul: { 'api-backup-1': 30 }, ours: { 'api-backup-1': 30 } });
      // By design (README "Coming from Consul Connect"): Consul's Envoy keeps the critical
      // instances in EDS, marked unhealthy; ours holds no endpoint for them at all.
      const sidecarPort = (w: World) => w.sidecarPorts.get('api-1')!;
      const consulClusters = await httpGet(`${web('consul').adminUrl}/clusters`);
      const oursClusters = await httpGet(`${web('ours').adminUrl}/clusters`);
      expect(consulClusters).toMatch(new RegExp(`:127\\.0\\.0\\.1:${sidecarPort(worlds[0]!)}::health_flags::/failed_eds_health`));
      expect(oursClusters).not.toContain(`:127.0.0.1:${sidecarPort(worlds[1]!)}::`);
    } finally {
      await Promise.all(['api-1', 'api-2'].map((id) => httpRequest(`http://127.0.0.1:${apps.get(id)}/admin/health/pass`)));
    }
    for (const w of worlds) await untilAllPassing(w);
    for (const w of worlds) await untilApiAnswers(w);
  });

  it("serves raw as tcp in both, as its service-defaults Protocol says over proxy-defaults': the bytes pass with no HTTP handling on the way", async () => {
    const seen: Record<string, unknown> = {};
    for (const w of worlds) {
      // An HTTP proxy would add x-request-id and x-forwarded-proto, and route by Host; a tcp one does neither.
      const raw = JSON.parse((await httpRequest(`http://127.0.0.1:${w.rawUpstream}/`, { headers: { host: 'nowhere.example' } })).body) as { instance: string; headers: Record<string, string> };
      const api = (await call(w, '/')).headers ?? {};
      seen[w.name] = { raw: [raw.instance, raw.headers.host, 'x-request-id' in raw.headers, 'x-forwarded-proto' in raw.headers], api: ['x-request-id' in api, 'x-forwarded-proto' in api] };
    }
    expect(seen.ours).toEqual({ raw: ['raw-1', 'nowhere.example', false, false], api: [true, true] });
    expect(seen.ours).toEqual(seen.consul);
  });

  it("publishes api through the ingress gateway under api.ingress.* (api.ingress.consul here), with its splitter and router, in both alike", async () => {
    const counts = await tally('/', 200, { host: 'api.ingress.consul' }, 'ingress');
    for (const w of worlds) {
      expect(Object.keys(counts[w.name]).sort()).toEqual(['api-1', 'api-2']);
      // 3.5 standard deviations of an 80/20 split of 200 either side of 40.
      expect(counts[w.name]['api-2']).toBeGreaterThanOrEqual(20);
      expect(counts[w.name]['api-2']).toBeLessThanOrEqual(60);
    }
    expect(Math.abs(counts.consul['api-2']! - counts.ours['api-2']!)).toBeLessThanOrEqual(28);
    figures.push(`ingress split of 200 to v2: Consul ${counts.consul['api-2']}, ours ${counts.ours['api-2']}`);
    // The Host with the listener's port matches too; the router sends /admin to v2.
    const withPort = Object.fromEntries(worlds.map((w) => [w.name, `api.ingress.consul:${w.ingress}`]));
    for (const w of worlds) {
      for (let i = 0; i < 20; i++) expect([w.name, (await call(w, '/admin/users', { host: withPort[w.name]! }, 'ingress')).instance]).toEqual([w.name, 'api-2']);
    }
  });

  it("applies the ingress entry's Hosts and header changes per service in both, and answers 404 to a Host it does not publish", async () => {
    const seen: Record<string, unknown> = {};
    for (const w of worlds) {
      const api = await call(w, '/', { host: 'api.ingress.consul', 'x-drop': 'yes' }, 'ingress');
      const backup = await call(w, '/', { host: 'backup.example.com', 'x-drop': 'yes' }, 'ingress');
      const unknown = await call(w, '/', { host: 'nobody.example.com' }, 'ingress');
      seen[w.name] = {
        api: [api.headers?.['x-via'], api.headers?.['x-drop'] ?? '-', api.gateway],
        backup: [backup.instance, backup.headers?.['x-via'] ?? '-', backup.headers?.['x-drop'], backup.gateway ?? '-'],
        unknown: unknown.status,
      };
    }
    expect(seen.ours).toEqual({ api: ['ingress', '-', 'ingress'], backup: ['api-backup-1', '-', 'yes', '-'], unknown: 404 });
    expect(seen.ours).toEqual(seen.consul);
  });

  it("applies the ingress entry's passive health checks, api's own over the Defaults', to the gateway's cluster for api's default subset, in both alike", async () => {
    // Consul's is failover-target~0~v1.api.default.dc1.internal.<trust domain>: no upstream config hash on a gateway's.
    const isV1 = { consul: (name: string) => /^failover-target~0~v1\.api\./.test(name), ours: (name: string) => name === 'api~v1' };
    const shaped: Record<string, unknown> = {};
    for (const w of worlds) {
      const dump = JSON.parse(await httpGet(`${w.envoys.get('ingress')!.adminUrl}/config_dump?resource=dynamic_active_clusters`)) as { configs: Array<{ cluster: ClusterDump }> };
      const cluster = dump.configs.map((c) => c.cluster).find((c) => isV1[w.name](c.name));
      const outlier = cluster?.outlier_detection ?? {};
      shaped[w.name] = [outlier.interval, outlier.consecutive_5xx];
    }
    expect(shaped.ours).toEqual(['4s', 7]);
    expect(shaped.ours).toEqual(shaped.consul);
  });

  it("applies web's service-defaults UpstreamConfig to web's cluster for api's default subset, and its local timeouts to web's app, in both alike", async () => {
    // We name the subset's cluster api~v1. With failover on, Consul's is an aggregate of
    // failover-target~0~<hash>~v1.api.default.dc1.internal.<trust domain> (api's own v1 endpoints)
    // and the backup's; the hash names the upstream config.
    const isV1 = { consul: (name: string) => /^failover-target~0~[^~]+~v1\.api\./.test(name), ours: (name: string) => name === 'api~v1' };
    const shaped: Record<string, unknown> = {};
    for (const w of worlds) {
      const file = join(supervisor.runDir, `${w.name}-upstream-config.json`);
      writeFileSync(file, JSON.stringify(WEB_SERVICE_DEFAULTS));
      await consulConfigWrite(w.consul, file);
      shaped[w.name] = await waitFor(`${w.name}: web's api~v1 cluster shaped by UpstreamConfig`, async () => {
        const dump = JSON.parse(await httpGet(`${web(w.name).adminUrl}/config_dump?resource=dynamic_active_clusters`)) as { configs: Array<{ cluster: ClusterDump }> };
        const cluster = dump.configs.map((c) => c.cluster).find((c) => isV1[w.name](c.name));
        if (cluster?.connect_timeout !== '1.234s') throw new Error(`not yet: ${JSON.stringify(cluster ?? dump.configs.map((c) => c.cluster.name))}`);
        const local = dump.configs.map((c) => c.cluster).find((c) => c.name === 'local_app');
        // The listener follows the clusters once Envoy has ACKed them (make-before-break).
        const listeners = await httpGet(`${web(w.name).adminUrl}/config_dump?resource=dynamic_listeners`);
        if (!listeners.includes('"timeout": "9s"')) throw new Error(`inbound route timeout not yet 9s: ${listeners.match(/"timeout": "[^"]*"/g)?.join(', ') ?? 'none'}`);
        const threshold = cluster.circuit_breakers?.thresholds?.[0] ?? {};
        const outlier = cluster.outlier_detection ?? {};
        return {
          connect_timeout: cluster.connect_timeout,
          limits: [threshold.max_connections, threshold.max_pending_requests, threshold.max_requests],
          passive: [outlier.interval, outlier.consecutive_5xx, outlier.enforcing_consecutive_5xx, outlier.max_ejection_percent, outlier.base_ejection_time],
          localConnectTimeout: local?.connect_timeout,
        };
      }, DEADLINE);
    }
    expect(shaped.ours).toEqual({ connect_timeout: '1.234s', limits: [7, 8, 9], passive: ['3s', 4, 60, 50, '6s'], localConnectTimeout: '2.500s' });
    expect(shaped.ours).toEqual(shaped.consul);
  });
});

interface ClusterDump {
  name: string;
  connect_timeout?: string;
  circuit_breakers?: { thresholds?: Array<Record<string, number | undefined>> };
  outlier_detection?: Record<string, string | number | undefined>;
}

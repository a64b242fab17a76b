import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { freePort, httpGet, ProcessSupervisor, repoRoot, startConsul, startEnvoy, waitFor, type ConsulHandle, type EnvoyHandle } from '@mesh/harness';
import { consulBootstrap, consulConfigDelete, consulConfigWrite, registerWithSidecar, untilChecks, WEB_SERVICE_DEFAULTS } from '../support/consul-connect';
import { startControlPlane, type ControlPlaneHandle } from '../support/control-plane';
import { httpRequest } from '../support/http-request';
import { suiteRunDir } from '../support/run-dir';

const run = promisify(execFile);
const ECHO = join(__dirname, '..', 'fixtures', 'echo-server.mjs');
const DEADLINE = { timeoutMs: 30_000, intervalMs: 20 };
const REQUESTS = 400;

interface EchoAnswer {
  instance: string;
  headers: Record<string, string>;
}

type ConfigEntry = { Kind: string; Name: string } & Record<string, unknown>;

const resolver = (extra: object = {}): ConfigEntry => ({
  Kind: 'service-resolver',
  Name: 'api',
  DefaultSubset: 'v1',
  Subsets: { v1: { Filter: 'Service.Meta.version == 1' }, v2: { Filter: 'Service.Meta.version == 2' } },
  ...extra,
});
const splitter: ConfigEntry = {
  Kind: 'service-splitter',
  Name: 'api',
  Splits: [
    { Weight: 80, ServiceSubset: 'v1' },
    { Weight: 20, ServiceSubset: 'v2', RequestHeaders: { Set: { 'x-split': 'v2' } } },
  ],
};
// ResponseHeaders is one field this control plane does not serve: it must be reported, not dropped silently.
const router: ConfigEntry = { Kind: 'service-router', Name: 'api', Routes: [{ Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { ServiceSubset: 'v2', ResponseHeaders: { Set: { 'x-route': 'admin' } } } }] };

/**
 * No mesh.config.ts: api's policy comes from Consul alone, written with `consul config write` while
 * web's Envoy (started from `consul connect envoy -bootstrap`) keeps running.
 */
describe('Consul config entries, written with `consul config write`, reach a running Envoy without a restart', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('consul-config-entries'));
  const propagation: string[] = [];
  let consul: ConsulHandle;
  let controlPlane: ControlPlaneHandle;
  let envoy: EnvoyHandle;
  let upstream: number;
  const apps: Record<string, number> = {};

  async function write(entry: ConfigEntry): Promise<number> {
    const file = join(supervisor.runDir, `${entry.Kind}-${entry.Name}-${propagation.length}.json`);
    writeFileSync(file, JSON.stringify(entry));
    const start = performance.now();
    await consulConfigWrite(consul, file);
    return start;
  }

  /** Waits for web's Envoy to hold a config that `applied` accepts, and notes how long that took since `start`. */
  async function untilEnvoyHolds(what: string, start: number, resource: string, applied: (dump: string) => boolean): Promise<void> {
    await waitFor(what, async () => {
      if (!applied(await httpGet(`${envoy.adminUrl}/config_dump?resource=${resource}`))) throw new Error(`not yet in ${resource}`);
      return true;
    }, DEADLINE);
    propagation.push(`${what}: ${Math.round(performance.now() - start)} ms`);
  }

  async function call(path: string): Promise<EchoAnswer> {
    const result = await httpRequest(`http://127.0.0.1:${upstream}${path}`);
    if (result.status !== 200) throw new Error(`GET ${path}: HTTP ${result.status} ${result.body}`);
    return JSON.parse(result.body) as EchoAnswer;
  }

  async function tally(path: string, count: number): Promise<Map<string, EchoAnswer[]>> {
    const byInstance = new Map<string, EchoAnswer[]>();
    for (let i = 0; i < count; i++) {
      const answer = await call(path);
      byInstance.set(answer.instance, [...(byInstance.get(answer.instance) ?? []), answer]);
    }
    return byInstance;
  }

  /**
   * Requests through web's upstream from a few workers, one after another each, until stopped or
   * bounded by count and time; every answer that is not a 200 is kept.
   */
  function steadyTraffic(bounds = { workers: 4, requests: 20_000, ms: 30_000 }): { stop(): Promise<{ sent: number; failures: string[] }> } {
    let stopped = false;
    let sent = 0;
    const failures: string[] = [];
    const began = performance.now();
    const worker = async (): Promise<void> => {
      while (!stopped && sent < bounds.requests && performance.now() - began < bounds.ms) {
        sent++;
        try {
          const result = await httpRequest(`http://127.0.0.1:${upstream}/`, { timeoutMs: 2000 });
          if (result.status !== 200) failures.push(`HTTP ${result.status} ${result.body.slice(0, 80)}`);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const workers = Promise.all(Array.from({ length: bounds.workers }, worker));
    return {
      async stop() {
        stopped = true;
        await workers;
        return { sent, failures };
      },
    };
  }

  /** How often, and how long in all, the control plane held web's routes until Envoy ACKed new clusters. */
  async function warmingHolds(): Promise<{ count: number; sum: number }> {
    const metrics = await httpGet(`${controlPlane.adminUrl}/metrics`);
    const series = (name: string): number => Number(new RegExp(`^mesh_xds_warming_hold_seconds_${name}\\{outcome="answered"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    return { count: series('count'), sum: series('sum') };
  }

  async function setHealth(instance: string, state: 'fail' | 'pass'): Promise<void> {
    await httpRequest(`http://127.0.0.1:${apps[instance]}/admin/health/${state}`);
  }

  beforeAll(async () => {
    upstream = await freePort();
    consul = await startConsul(supervisor);
    for (const instance of ['api-1', 'api-2', 'api-backup-1', 'web-1']) {
      const port = (apps[instance] = await freePort());
      await supervisor.start({ name: instance, command: process.execPath, args: [ECHO, instance, String(port)], ready: () => httpGet(`http://127.0.0.1:${port}/health`) });
    }
    await registerWithSidecar(consul, { id: 'api-1', name: 'api', port: apps['api-1']!, meta: { version: '1' } });
    await registerWithSidecar(consul, { id: 'api-2', name: 'api', port: apps['api-2']!, meta: { version: '2' } });
    await registerWithSidecar(consul, { id: 'api-backup-1', name: 'api-backup', port: apps['api-backup-1']! });
    const webSidecar = await freePort();
    await registerWithSidecar(consul, { id: 'web-1', name: 'web', port: apps['web-1']!, sidecar: { Port: webSidecar, Proxy: { Upstreams: [{ DestinationName: 'api', LocalBindPort: upstream }] } } });
    // Consul accepts routers and splitters only for http services.
    await write({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } });
    controlPlane = await startControlPlane(supervisor, consul.httpAddr);
    const adminPort = await freePort();
    const bootstrap = await consulBootstrap(consul, { sidecarFor: 'web-1', xdsPort: controlPlane.xdsPort, adminPort });
    envoy = await startEnvoy(supervisor, { name: 'envoy-web', adminPort, bootstrap: () => bootstrap });
    await waitFor('api answers through web\'s upstream', () => call('/'), DEADLINE);
  });
  afterAll(async () => {
    // The figures behind the note: write to Envoy holding it, `consul config write` included.
    if (propagation.length > 0) console.log(`config entry propagation, consul config write to web's Envoy:\n  ${propagation.join('\n  ')}`);
    await supervisor.stopAll();
  });

  it('spreads api over both instances while no entry applies', async () => {
    const answers = await tally('/', 20);
    expect([...answers.keys()].sort()).toEqual(['api-1', 'api-2']);
  });

  it("splits api 80/20 over the resolver's subsets once a splitter is written, with the split's header on v2 only", async () => {
    await write(resolver());
    const start = await write(splitter);
    await untilEnvoyHolds('service-splitter', start, 'dynamic_route_configs', (dump) => dump.includes('"weighted_clusters"'));
    const answers = await tally('/', REQUESTS);
    const v2 = answers.get('api-2') ?? [];
    // 80/20 of 400 has a standard deviation of 8 requests: 52..108 is 3.5 of them either side of 80.
    expect(v2.length).toBeGreaterThanOrEqual(52);
    expect(v2.length).toBeLessThanOrEqual(108);
    expect((answers.get('api-1')?.length ?? 0) + v2.length).toBe(REQUESTS);
    expect(v2.every((a) => a.headers['x-split'] === 'v2')).toBe(true);
    expect((answers.get('api-1') ?? []).some((a) => a.headers['x-split'] !== undefined)).toBe(false);
  });

  it('sends /admin to v2 only once a router is written, and back to the split once it is deleted', async () => {
    const start = await write(router);
    await untilEnvoyHolds('service-router', start, 'dynamic_route_configs', (dump) => dump.includes('"/admin"'));
    expect([...(await tally('/admin/users', 40)).keys()]).toEqual(['api-2']);
    const { stdout } = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(stdout).toContain('  api: subsets from service-resolver/api; split from service-splitter/api; routes from service-router/api; the rest from defaults');
    expect(stdout).toMatch(/not served as written:\n  service-router\/api: Routes\[0\]\.Destination\.ResponseHeaders is not served by this control plane and is ignored/);
    const deleted = performance.now();
    await consulConfigDelete(consul, 'service-router', 'api');
    await untilEnvoyHolds('service-router deleted', deleted, 'dynamic_route_configs', (dump) => !dump.includes('"/admin"'));
    expect((await tally('/admin/users', 60)).has('api-1')).toBe(true);
  });

  it("fails over to api-backup while api's instances are critical, and comes back when they pass", async () => {
    const start = await write(resolver({ Failover: { '*': { Targets: [{ Service: 'api-backup' }] } } }));
    await untilEnvoyHolds('service-resolver failover', start, 'dynamic_endpoint_configs&include_eds', (dump) => dump.includes(`"port_value": ${apps['api-backup-1']}`));
    expect([...(await tally('/', 20)).keys()].sort()).toEqual(['api-1', 'api-2']);
    await Promise.all([setHealth('api-1', 'fail'), setHealth('api-2', 'fail')]);
    // The two checks fail a second apart: wait for both, then for ten answers in a row from the backup.
    await untilChecks(consul, 'api', 'critical', 2);
    await waitFor('api-backup answers', async () => {
      for (let i = 0; i < 10; i++) if ((await call('/')).instance !== 'api-backup-1') throw new Error('not failed over yet');
      return true;
    }, DEADLINE);
    expect([...(await tally('/', 20)).keys()]).toEqual(['api-backup-1']);
    await Promise.all([setHealth('api-1', 'pass'), setHealth('api-2', 'pass')]);
    await waitFor('api answers again', async () => {
      if ((await call('/')).instance === 'api-backup-1') throw new Error('still on the backup');
      return true;
    }, DEADLINE);
  });

  // Make-before-break: a route reaches Envoy only once the clusters it names are warm, and a
  // cluster leaves only once no route names it. Either way round, a request in between gets a 503.
  it('answers every request while routes move onto new subset clusters and off them again', async () => {
    // After the failover test the api checks pass again a second apart: start once both do.
    await untilChecks(consul, 'api', 'passing', 2);
    await consulConfigDelete(consul, 'service-splitter', 'api');
    await consulConfigDelete(consul, 'service-resolver', 'api');
    const noSubsets = (dump: string): boolean => !dump.includes('"api~v1"');
    await untilEnvoyHolds('subset clusters gone', performance.now(), 'dynamic_active_clusters', noSubsets);
    const before = await warmingHolds();
    const traffic = steadyTraffic();
    for (let round = 1; round <= 3; round++) {
      const start = await write(resolver());
      await untilEnvoyHolds(`route onto api~v1 (round ${round})`, start, 'dynamic_route_configs', (dump) => dump.includes('"api~v1"'));
      const deleted = performance.now();
      await consulConfigDelete(consul, 'service-resolver', 'api');
      await untilEnvoyHolds(`subset clusters removed (round ${round})`, deleted, 'dynamic_active_clusters', noSubsets);
    }
    const { sent, failures } = await traffic.stop();
    const after = await warmingHolds();
    const holds = after.count - before.count;
    console.log(`requests while routes moved: ${sent} sent, ${failures.length} failed; routes held for warming clusters ${holds} times, ${Math.round(((after.sum - before.sum) / holds) * 1000)} ms on average`);
    // Each route onto api~v1 waited for Envoy to ACK the clusters: the gate, not luck, kept the 503s away.
    expect(holds).toBeGreaterThanOrEqual(3);
    expect(sent).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  });

  it("applies web's service-defaults UpstreamConfig to web's own api cluster, and its local timeouts to web's app", async () => {
    const start = await write(WEB_SERVICE_DEFAULTS);
    await untilEnvoyHolds('service-defaults UpstreamConfig', start, 'dynamic_active_clusters', (dump) => dump.includes('"connect_timeout": "1.234s"'));
    const dump = JSON.parse(await httpGet(`${envoy.adminUrl}/config_dump?resource=dynamic_active_clusters`)) as { configs: Array<{ cluster: Record<string, unknown> & { name: string } }> };
    const api = dump.configs.map((c) => c.cluster).find((c) => c.name === 'api');
    expect(api).toMatchObject({
      connect_timeout: '1.234s',
      circuit_breakers: { thresholds: [{ max_connections: 7, max_pending_requests: 8, max_requests: 9 }] },
      outlier_detection: { interval: '3s', consecutive_5xx: 4, enforcing_consecutive_5xx: 60, max_ejection_percent: 50, base_ejection_time: '6s' },
    });
    expect((await call('/')).instance).toMatch(/^api-/);
    expect(dump.configs.map((c) => c.cluster).find((c) => c.name === 'local_app')).toMatchObject({ connect_timeout: '2.500s' });
    await untilEnvoyHolds('service-defaults LocalRequestTimeoutMs', start, 'dynamic_listeners', (listeners) => listeners.includes('"timeout": "9s"'));
    const { stdout } = await run(process.execPath, [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'status', `--admin=${controlPlane.adminUrl}`]);
    expect(stdout).toContain("for web's calls, connect timeout, limits, passive health check from service-defaults/web");
    // Consul's agent copies the entries into web's sidecar registration (Upstreams[0].Config, Proxy.Config.protocol): read, not reported.
    expect(stdout).not.toMatch(/connect-proxy web-1-sidecar-proxy: Proxy\.(Config|Upstreams\[0\]\.Config)\./);
  });
});

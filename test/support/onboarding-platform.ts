import { join } from 'node:path';
import {
  DEMO_APPS,
  DEMO_PUBLISHED_APPS,
  freePort,
  repoRoot,
  localMeshScrapeConfig,
  ProcessSupervisor,
  serviceTokens,
  startConsul,
  startControlPlane,
  startDemoApp,
  startGateway,
  startJaeger,
  startPrometheus,
  startTemporal,
  waitFor,
  type ConsulHandle,
  type ControlPlaneHandle,
  type DemoApp,
  type DemoPlatformContext,
  type GatewayHandle,
  type JaegerHandle,
  type MeshService,
  type PrometheusHandle,
  type TemporalHandle,
} from '@mesh/harness';
import { loadMeshConfig } from '../../xds-server/src/dsl/load-mesh-config';
import { localScrapeTargets, meshScrapeJobs, type LocalMeshRun } from '../../xds-server/src/generate/prometheus.generator';
import { httpRequest, type HttpResult } from './http-request';
import { suiteRunDir } from './run-dir';

export interface PlatformOptions {
  /** Which apps to start (default: all of them). */
  apps?: readonly DemoApp[];
  /** Instances per app (default 1 each). */
  instances?: Partial<Record<DemoApp, number>>;
  /** The mesh.config.ts the control plane serves (gateway routes, traffic policy, mTLS); the demo's own by default. */
  meshConfig?: string;
  /** Extra environment per app, e.g. a short profile reminder. */
  env?: Partial<Record<DemoApp, Record<string, string>>>;
  /**
   * Jaeger, with every process and every proxy tracing to it (as `mesh up` runs them), and,
   * once everything is up, Prometheus scraping the targets the DSL declares on this run's ports.
   */
  observability?: boolean;
  /**
   * The control plane's console reads Prometheus, Jaeger and Temporal (as under `mesh up`),
   * and the test hooks are on (to inject a resource proxies reject). Needs `observability`.
   */
  console?: boolean;
}

export interface GatewayCall {
  /** A JSON body (serialised, with content-type) … */
  json?: unknown;
  /** … or a raw body with its own content-type header. */
  body?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface JsonResult<T> extends HttpResult {
  json: T;
}

/**
 * The whole demo platform for an end-to-end suite, on free ports: Consul, the Temporal dev
 * server, the control plane, every app beside its sidecar, and the gateway Envoy.
 */
export class OnboardingPlatform {
  readonly apps = new Map<DemoApp, MeshService[]>();
  consul!: ConsulHandle;
  temporal!: TemporalHandle;
  controlPlane!: ControlPlaneHandle;
  /** With `observability` only. */
  jaeger?: JaegerHandle;
  prometheus?: PrometheusHandle;
  gateway!: GatewayHandle;
  context!: DemoPlatformContext;
  private prometheusPort: number | undefined;

  private constructor(readonly supervisor: ProcessSupervisor) {}

  static async start(suite: string, options: PlatformOptions = {}): Promise<OnboardingPlatform> {
    const runDir = suiteRunDir(suite);
    const platform = new OnboardingPlatform(new ProcessSupervisor(runDir));
    try {
      await platform.boot(join(runDir, 'data'), options);
    } catch (error) {
      await platform.stop();
      throw error;
    }
    return platform;
  }

  private async boot(dataDir: string, options: PlatformOptions): Promise<void> {
    const meshConfig = options.meshConfig ?? join(repoRoot(), 'mesh.config.ts');
    // ACLs on with default deny, as `mesh up` runs them: every app, sidecar and the gateway use their own token.
    this.consul = await startConsul(this.supervisor, { acls: true });
    this.temporal = await startTemporal(this.supervisor, { headless: true });
    if (options.observability) this.jaeger = await startJaeger(this.supervisor);
    const otlp = this.jaeger && { proxy: this.jaeger.otlpGrpcEndpoint, endpoint: `http://${this.jaeger.otlpGrpcEndpoint}` };
    // Spans leave each process within half a second, instead of the SDK's five.
    const exportSoon: Record<string, string> = otlp ? { OTEL_BSP_SCHEDULE_DELAY: '500' } : {};
    const controlPlaneEnv: Record<string, string> = { MESH_LOG_LEVEL: 'debug', CONSUL_HTTP_TOKEN: this.consul.managementToken ?? '', ...exportSoon };
    if (otlp) controlPlaneEnv.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.endpoint;
    if (options.console) controlPlaneEnv.MESH_XDS_TEST_HOOKS = '1';
    // Prometheus starts last (it scrapes everything), on a port chosen now so the console can be told it.
    this.prometheusPort = await freePort();
    this.controlPlane = await startControlPlane(this.supervisor, {
      consulAddr: this.consul.httpAddr,
      env: controlPlaneEnv,
      ...(otlp ? { proxyOtlp: otlp.proxy } : {}),
      configFile: meshConfig,
      ...(options.console && this.jaeger
        ? { console: { prometheusUrl: `http://127.0.0.1:${this.prometheusPort}`, jaegerUrl: this.jaeger.queryUrl, temporalAddress: this.temporal.address } }
        : {}),
    });
    const tokens = serviceTokens(this.consul);
    this.context = {
      consulAddr: this.consul.httpAddr,
      xds: { address: '127.0.0.1', port: this.controlPlane.xdsPort },
      temporalAddress: this.temporal.address,
      ...(otlp ? { otlpGrpcEndpoint: otlp.endpoint } : {}),
      dataDir,
      ...(tokens ? { serviceToken: tokens } : {}),
    };
    const apps = DEMO_APPS.filter((app) => options.apps?.includes(app) ?? true);
    for (const app of apps) {
      for (let instance = 1; instance <= (options.instances?.[app] ?? 1); instance++) {
        await this.startInstance(app, instance, { ...exportSoon, ...options.env?.[app] });
      }
    }
    const gatewayToken = await tokens?.('gateway');
    this.gateway = await startGateway(this.supervisor, { ...(gatewayToken ? { token: gatewayToken } : {}), xds: this.context.xds, publishes: DEMO_PUBLISHED_APPS.filter((app) => apps.includes(app)) });
    if (this.jaeger) await this.startPrometheus(this.jaeger, meshConfig);
  }

  /** What runs, on the ports it got: the scrape targets. */
  localRun(): LocalMeshRun {
    const at = (port: number) => `127.0.0.1:${port}`;
    return {
      controlPlaneAdmin: new URL(this.controlPlane.adminUrl).host,
      instances: [...this.apps.values()].flat().map((s) => ({ service: s.service, id: s.instanceId, app: at(s.ports.app), envoyAdmin: at(s.ports.envoyAdmin) })),
      gateway: { id: 'gateway-1', envoyAdmin: at(this.gateway.envoy.adminPort) },
    };
  }

  /** Prometheus as `mesh up` configures it: the infrastructure plus the jobs generated from the DSL. */
  private async startPrometheus(jaeger: JaegerHandle, meshConfig: string): Promise<void> {
    const { definition } = await loadMeshConfig(meshConfig);
    const port = this.prometheusPort ?? (await freePort());
    const jobs = meshScrapeJobs(localScrapeTargets(definition, this.localRun()));
    this.prometheus = await startPrometheus(this.supervisor, { port, config: localMeshScrapeConfig({ consul: this.consul, temporal: this.temporal, jaeger }, port, jobs) });
  }

  async startInstance(app: DemoApp, instance: number, env: Record<string, string> = {}): Promise<MeshService> {
    const service = await startDemoApp(this.supervisor, app, this.context, { instance, env });
    this.apps.set(app, [...(this.apps.get(app) ?? []), service]);
    return service;
  }

  instances(app: DemoApp): MeshService[] {
    return this.apps.get(app) ?? [];
  }

  one(app: DemoApp): MeshService {
    const [first] = this.instances(app);
    if (!first) throw new Error(`no ${app} instance is running`);
    return first;
  }

  /** A request to the gateway, e.g. `call('POST', '/auth/register', { json })`. */
  call(method: string, path: string, options: GatewayCall = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    return httpRequest(`${this.gateway.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: options.timeoutMs ?? 15_000 });
  }

  /** call() that parses the JSON answer (and says what came back when it is not JSON). */
  async callJson<T>(method: string, path: string, options: GatewayCall = {}): Promise<JsonResult<T>> {
    const result = await this.call(method, path, options);
    let json: T;
    try {
      json = (result.body === '' ? undefined : JSON.parse(result.body)) as T;
    } catch {
      throw new Error(`${method} ${path} -> ${result.status}, not JSON: ${result.body.slice(0, 300)}`);
    }
    return { ...result, json };
  }

  async stop(): Promise<void> {
    await this.supervisor.stopAll();
  }
}

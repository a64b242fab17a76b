import { join } from 'node:path';
import {
  DEMO_APPS,
  ProcessSupervisor,
  startConsul,
  startDemoApp,
  startGateway,
  startTemporal,
  waitFor,
  type ConsulHandle,
  type DemoApp,
  type DemoPlatformContext,
  type GatewayHandle,
  type MeshService,
  type TemporalHandle,
} from '@mesh/harness';
import { startControlPlane, type ControlPlaneHandle } from './control-plane';
import { prefixRoutes, publicPath, type PrefixRoute } from './envoy-admin';
import { httpRequest, type HttpResult } from './http-request';
import { suiteRunDir } from './run-dir';

export interface PlatformOptions {
  /** Which apps to start (default: all of them). */
  apps?: readonly DemoApp[];
  /** Instances per app (default 1 each). */
  instances?: Partial<Record<DemoApp, number>>;
  /** A mesh.config.ts for the control plane (the gateway routes and traffic policy it declares); none by default. */
  meshConfig?: string;
  /** Extra environment per app, e.g. a short profile reminder. */
  env?: Partial<Record<DemoApp, Record<string, string>>>;
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
  gateway!: GatewayHandle;
  context!: DemoPlatformContext;
  /** The gateway's prefix routes, as its Envoy has them. */
  routes: PrefixRoute[] = [];

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
    this.consul = await startConsul(this.supervisor);
    this.temporal = await startTemporal(this.supervisor, { headless: true });
    this.controlPlane = await startControlPlane(this.supervisor, this.consul.httpAddr, undefined, {}, options.meshConfig);
    this.context = {
      consulAddr: this.consul.httpAddr,
      xds: { address: '127.0.0.1', port: this.controlPlane.xdsPort },
      temporalAddress: this.temporal.address,
      dataDir,
    };
    const apps = DEMO_APPS.filter((app) => options.apps?.includes(app) ?? true);
    for (const app of apps) {
      for (let instance = 1; instance <= (options.instances?.[app] ?? 1); instance++) {
        await this.startInstance(app, instance, options.env?.[app]);
      }
    }
    this.gateway = await startGateway(this.supervisor, { xds: this.context.xds });
    // Every service answers through the gateway before a test starts.
    const published = apps.filter((a) => a !== 'workflows');
    this.routes = await waitFor(
      'a gateway route to every service',
      async () => {
        const routes = await prefixRoutes(this.gateway.envoy.adminUrl, 'gateway');
        return published.every((app) => publicPath(routes, app, '/health')) && routes;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    for (const app of published) {
      await waitFor(`gateway -> ${app}`, async () => (await this.call('GET', this.path(app, '/health'))).status === 200, { timeoutMs: 30_000, intervalMs: 100 });
    }
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

  /**
   * The gateway path reaching `servicePath` on `app`, from the routes the control plane gave
   * the gateway (`/<service>/` rewritten to `/` by default, or what mesh.config.ts declares).
   */
  path(app: DemoApp, servicePath: string): string {
    const path = publicPath(this.routes, app, servicePath);
    if (!path) throw new Error(`the gateway has no route to ${app}${servicePath}: ${JSON.stringify(this.routes)}`);
    return path;
  }

  /** A request to the gateway, e.g. `call('POST', platform.path('auth', '/auth/register'), { json })`. */
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

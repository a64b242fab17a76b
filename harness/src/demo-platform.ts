import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { GATEWAY_CLUSTER, startGateway, type GatewayHandle } from './components/gateway';
import { startMeshService, type MeshService, type MeshServicePorts, type XdsEndpoint } from './components/mesh-service';
import { assertPortsFree, reservePorts } from './process/free-port';
import type { ProcessSupervisor } from './process/supervisor';
import { repoRoot } from './toolchain/paths';

/** The demo platform's apps, in start order: what others call first, the worker last. */
export const DEMO_APPS = ['notification', 'approval', 'auth', 'document', 'user', 'workflows'] as const;
export type DemoApp = (typeof DEMO_APPS)[number];

/**
 * The demo's public API through the gateway: the paths the services serve themselves
 * (services/README.md, "APIs"), routed as they are by mesh.config.ts.
 */
export const DEMO_PUBLIC_API = [
  { method: 'POST', path: '/auth/register', service: 'auth' },
  { method: 'POST', path: '/auth/login', service: 'auth' },
  { method: 'POST', path: '/users', service: 'user' },
  { method: 'PUT', path: '/users/me/profile', service: 'user' },
  { method: 'GET', path: '/users/me/status', service: 'user' },
  { method: 'POST', path: '/documents', service: 'document' },
  { method: 'GET', path: '/notifications', service: 'notification' },
] as const satisfies ReadonlyArray<{ method: string; path: string; service: DemoApp }>;

/** Endpoints only the mesh may call: the gateway leaves them unrouted. */
export const DEMO_INTERNAL_PATHS = ['/eligibility', '/credit-scores', '/decisions', '/reviews'] as const;

/** The apps the gateway publishes. */
export const DEMO_PUBLISHED_APPS: readonly DemoApp[] = [...new Set(DEMO_PUBLIC_API.map((e) => e.service))];

/** Each app's offset within the port blocks below (stable, so ports do not move when the start order does). */
const PORT_OFFSET: Record<DemoApp, number> = { auth: 0, user: 1, document: 2, approval: 3, notification: 4, workflows: 5 };

export interface DemoPlatformPorts {
  /** App HTTP ports: auth = base, user +1, document +2, approval +3, notification +4, workflows +5. */
  appBase: number;
  /** Sidecar public (inbound) ports, same order. */
  sidecarBase: number;
  /** Sidecar outbound listeners, same order. */
  outboundBase: number;
  /** Sidecar admin ports, same order. */
  envoyAdminBase: number;
  gateway: number;
  gatewayAdmin: number;
}

/** `mesh up`'s fixed ports for the demo platform (README, "Ports"). */
export const DEFAULT_DEMO_PLATFORM_PORTS: DemoPlatformPorts = {
  appBase: 3001,
  sidecarBase: 21001,
  outboundBase: 15001,
  envoyAdminBase: 19001,
  gateway: 8080,
  gatewayAdmin: 19000,
};

export function demoAppPorts(ports: DemoPlatformPorts, app: DemoApp): MeshServicePorts {
  const offset = PORT_OFFSET[app];
  return {
    app: ports.appBase + offset,
    sidecar: ports.sidecarBase + offset,
    outbound: ports.outboundBase + offset,
    envoyAdmin: ports.envoyAdminBase + offset,
  };
}

function portPurposes(ports: DemoPlatformPorts): Record<string, number> {
  const purposes: Record<string, number> = {
    'gateway, --gateway-port': ports.gateway,
    'gateway Envoy admin, --gateway-admin-port': ports.gatewayAdmin,
  };
  for (const app of DEMO_APPS) {
    const p = demoAppPorts(ports, app);
    purposes[`${app} app, --app-port-base`] = p.app;
    purposes[`${app} sidecar, --sidecar-port-base`] = p.sidecar;
    purposes[`${app} sidecar outbound, --outbound-port-base`] = p.outbound;
    purposes[`${app} sidecar admin, --envoy-admin-port-base`] = p.envoyAdmin;
  }
  return purposes;
}

/** Fails fast on a taken port, naming the option that moves it; then keeps the allocator off them. */
export async function checkDemoPlatformPorts(ports: DemoPlatformPorts): Promise<void> {
  const purposes = portPurposes(ports);
  const seen = new Map<number, string>();
  for (const [purpose, port] of Object.entries(purposes)) {
    const other = seen.get(port);
    if (other) throw new Error(`port ${port} is given to both ${other} and ${purpose}: move one of the port bases`);
    seen.set(port, purpose);
  }
  await assertPortsFree(purposes);
  reservePorts(Object.values(purposes));
}

/** The compiled entry point of an app. */
export function demoAppEntry(app: DemoApp, root: string = repoRoot()): string {
  return join(root, 'services', app, 'dist', 'main.js');
}

/** What every app is told about the shared infrastructure, beyond its own mesh identity. */
export interface DemoPlatformContext {
  consulAddr: string;
  xds: XdsEndpoint;
  temporalAddress: string;
  /** OTLP gRPC endpoint of the trace collector, e.g. http://127.0.0.1:4317. */
  otlpGrpcEndpoint?: string;
  /** Where apps keep their embedded stores (one subdirectory per app). */
  dataDir: string;
  /** With Consul ACLs on: each app's token (its registration and its sidecar's xDS stream). */
  serviceToken?: (service: string) => Promise<string>;
}

/** `instanceId` keeps replicas apart: each has its own embedded store. */
export function demoAppEnv(app: DemoApp, instanceId: string, context: DemoPlatformContext): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: context.temporalAddress,
    MESH_DATA_DIR: join(context.dataDir, instanceId),
    OTEL_SERVICE_NAME: app,
    ...(context.otlpGrpcEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: context.otlpGrpcEndpoint } : {}),
  };
}

/** One instance of a demo app beside its sidecar; `instance` numbers extra replicas. */
export async function startDemoApp(
  supervisor: ProcessSupervisor,
  app: DemoApp,
  context: DemoPlatformContext,
  options: { ports?: Partial<MeshServicePorts>; instance?: number; env?: Record<string, string> } = {},
): Promise<MeshService> {
  const instanceId = `${app}-${options.instance ?? 1}`;
  const token = await context.serviceToken?.(app);
  return startMeshService(supervisor, {
    ...(token ? { token } : {}),
    service: app,
    instanceId,
    command: process.execPath,
    args: [demoAppEntry(app)],
    cwd: repoRoot(),
    env: { ...demoAppEnv(app, instanceId, context), ...options.env },
    consulAddr: context.consulAddr,
    xds: context.xds,
    ...(options.ports ? { ports: options.ports } : {}),
  });
}

export interface DemoPlatform {
  apps: Map<DemoApp, MeshService>;
  gateway: GatewayHandle;
}

export interface DemoPlatformStep {
  title: string;
  start: (platform: Partial<DemoPlatform>) => Promise<void>;
}

/** Every app with its sidecar, then the gateway: one step each, for a progress list. */
export function demoPlatformSteps(supervisor: ProcessSupervisor, context: DemoPlatformContext, ports?: DemoPlatformPorts): DemoPlatformStep[] {
  const appSteps = DEMO_APPS.map(
    (app): DemoPlatformStep => ({
      title: ports ? `${app} (:${demoAppPorts(ports, app).app}, sidecar :${demoAppPorts(ports, app).sidecar})` : app,
      start: async (platform) => {
        const service = await startDemoApp(supervisor, app, context, ports ? { ports: demoAppPorts(ports, app) } : {});
        (platform.apps ??= new Map()).set(app, service);
      },
    }),
  );
  const gatewayStep: DemoPlatformStep = {
    title: ports ? `Gateway Envoy (:${ports.gateway})` : 'Gateway Envoy',
    start: async (platform) => {
      const token = await context.serviceToken?.(GATEWAY_CLUSTER);
      platform.gateway = await startGateway(supervisor, {
        ...(token ? { token } : {}),
        xds: context.xds,
        publishes: DEMO_PUBLISHED_APPS,
        ...(ports ? { port: ports.gateway, adminPort: ports.gatewayAdmin } : {}),
      });
    },
  };
  return [...appSteps, gatewayStep];
}

export class DemoBuildError extends Error {
  override readonly name = 'DemoBuildError';
  constructor(output: string) {
    super(`building the demo services (tsc -b services/…) failed; fix the errors below, or run \`npm run build\` to see them all:\n${output}`);
  }
}

/** `tsc -b` over every app (and, through project references, services/shared): incremental, so quick when up to date. */
export async function buildDemoPlatform(root: string = repoRoot()): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const projects = DEMO_APPS.map((app) => join(root, 'services', app));
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '-b', ...projects], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new DemoBuildError(`${stdout}${stderr}`.trim().split('\n').slice(0, 40).join('\n')));
      else resolve();
    });
  });
}

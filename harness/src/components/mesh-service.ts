import { allocatePorts } from '../process/free-port';
import type { ExitInfo, ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { adsBootstrap, startEnvoy, type EnvoyHandle } from './envoy';

/** Where a sidecar finds the control plane. */
export interface XdsEndpoint {
  address: string;
  port: number;
  apiType?: 'GRPC' | 'DELTA_GRPC';
}

export interface MeshServicePorts {
  /** The app's own HTTP port (Service.Port in Consul), on loopback. */
  app: number;
  /** The sidecar's public inbound port (Meta.sidecar_port): other services reach the app here. */
  sidecar: number;
  /** The sidecar's outbound listener: the app calls other services here, by Host. */
  outbound: number;
  /** The sidecar's admin interface. */
  envoyAdmin: number;
}

export interface MeshServiceOptions {
  /** Consul service name, and the sidecar's node.cluster. */
  service: string;
  /** Consul service id and the sidecar's node id / service_instance_id; also names the log files. */
  instanceId: string;
  /** How to run the app, e.g. `node services/auth/dist/main.js`. */
  command: string;
  args: readonly string[];
  /** Extra environment for the app, on top of the mesh variables (see meshServiceEnv). */
  env?: Record<string, string>;
  cwd?: string;
  consulAddr: string;
  /** The service's Consul ACL token: the app registers with it, the sidecar sends it on its xDS stream. */
  token?: string;
  xds: XdsEndpoint;
  /** Fixed ports (mesh up); any left out are chosen free. */
  ports?: Partial<MeshServicePorts>;
  /** The app's readiness path, answered 2xx once it serves (default /health). */
  healthPath?: string;
  readyTimeoutMs?: number;
}

/**
 * The environment every demo app reads (services/README.md): where it listens, who it is in
 * Consul, its sidecar's ports, and the shared infrastructure.
 */
export function meshServiceEnv(options: MeshServiceOptions, ports: MeshServicePorts): Record<string, string> {
  return {
    PORT: String(ports.app),
    BIND_ADDRESS: '127.0.0.1',
    NODE_ADDRESS: '127.0.0.1',
    SERVICE_NAME: options.service,
    SERVICE_ID: options.instanceId,
    MESH_SIDECAR_PORT: String(ports.sidecar),
    MESH_OUTBOUND_PORT: String(ports.outbound),
    CONSUL_HTTP_ADDR: options.consulAddr,
    ...(options.token ? { CONSUL_HTTP_TOKEN: options.token } : {}),
    NO_COLOR: '1',
    ...options.env,
  };
}

/** Envoy's listener names, from admin /listeners. */
export async function envoyListeners(adminUrl: string): Promise<string[]> {
  const body = JSON.parse(await httpGet(`${adminUrl}/listeners?format=json`)) as { listener_statuses?: Array<{ name: string }> };
  return (body.listener_statuses ?? []).map((l) => l.name);
}

/**
 * One demo service instance as it runs in the mesh: its Envoy sidecar (node.cluster = the
 * service, node metadata outbound_port and service_instance_id) and the app beside it. The
 * app registers itself in Consul with Meta.sidecar_port; the control plane then gives the
 * sidecar its inbound listener.
 */
export class MeshService {
  app: ManagedProcess;

  constructor(
    private readonly supervisor: ProcessSupervisor,
    readonly options: MeshServiceOptions,
    readonly ports: MeshServicePorts,
    readonly sidecar: EnvoyHandle,
    app: ManagedProcess,
  ) {
    this.app = app;
  }

  get service(): string {
    return this.options.service;
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** The app directly, bypassing the mesh (for /health and /metrics). */
  get appUrl(): string {
    return `http://127.0.0.1:${this.ports.app}`;
  }

  /** The sidecar's public listener: what other services' sidecars are sent to. */
  get sidecarUrl(): string {
    return `http://127.0.0.1:${this.ports.sidecar}`;
  }

  /** The sidecar's outbound listener: send a Host header naming the target service. */
  get outboundUrl(): string {
    return `http://127.0.0.1:${this.ports.outbound}`;
  }

  /** Starts the app again after stopApp()/killApp(), with the same ports and identity. */
  async restartApp(): Promise<void> {
    if (this.app.running) throw new Error(`${this.options.instanceId} is still running; stop it first`);
    this.app = await startApp(this.supervisor, this.options, this.ports, this.sidecar);
  }

  /** SIGTERM: the app deregisters and drains. */
  stopApp(graceMs = 15_000): Promise<ExitInfo> {
    return this.app.stop(graceMs);
  }

  /** SIGKILL, as a crash: nothing is deregistered, the Consul check has to notice. */
  async killApp(): Promise<void> {
    this.app.kill();
    await this.app.exited;
  }

  async stop(): Promise<void> {
    await this.app.stop(15_000);
    await this.sidecar.process.stop();
  }
}

async function startApp(supervisor: ProcessSupervisor, options: MeshServiceOptions, ports: MeshServicePorts, sidecar: EnvoyHandle): Promise<ManagedProcess> {
  const healthPath = options.healthPath ?? '/health';
  return supervisor.start({
    name: options.instanceId,
    command: options.command,
    args: options.args,
    cwd: options.cwd,
    env: meshServiceEnv(options, ports),
    ready: async () => {
      await httpGet(`http://127.0.0.1:${ports.app}${healthPath}`);
      // Registered, and the control plane has turned the registration into the inbound listener.
      return (await envoyListeners(sidecar.adminUrl)).includes('inbound');
    },
    readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
  });
}

/** Starts the sidecar first (so the app's first outbound call finds its listener), then the app. */
export async function startMeshService(supervisor: ProcessSupervisor, options: MeshServiceOptions): Promise<MeshService> {
  const ports: MeshServicePorts = await allocatePorts(['app', 'sidecar', 'outbound', 'envoyAdmin'], options.ports);
  const sidecar = await startEnvoy(supervisor, {
    name: `${options.instanceId}-envoy`,
    adminPort: ports.envoyAdmin,
    bootstrap: (adminPort) =>
      adsBootstrap(
        {
          nodeId: options.instanceId,
          service: options.service,
          xdsAddress: options.xds.address,
          xdsPort: options.xds.port,
          apiType: options.xds.apiType ?? 'GRPC',
          metadata: { outbound_port: ports.outbound, service_instance_id: options.instanceId },
          ...(options.token ? { token: options.token } : {}),
        },
        adminPort,
      ),
  });
  const app = await startApp(supervisor, options, ports, sidecar);
  return new MeshService(supervisor, options, ports, sidecar, app);
}

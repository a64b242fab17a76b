import { freePort } from '../process/free-port';
import type { ProcessSupervisor } from '../process/supervisor';
import { waitFor } from '../process/wait-for';
import { adsBootstrap, startEnvoy, type EnvoyHandle } from './envoy';
import { envoyListeners, type XdsEndpoint } from './mesh-service';

/** node.cluster of the edge Envoy; the control plane serves it the gateway listener. */
export const GATEWAY_CLUSTER = 'gateway';
/** The listener the control plane gives it. */
const GATEWAY_LISTENER = 'gateway';

export interface GatewayHandle {
  /** Where users send requests, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  envoy: EnvoyHandle;
}

export interface GatewayOptions {
  xds: XdsEndpoint;
  /** The public port (node metadata gateway_port); free when omitted. */
  port?: number;
  adminPort?: number;
  nodeId?: string;
  readyTimeoutMs?: number;
}

/**
 * The edge Envoy: an ADS bootstrap whose node.cluster is `gateway` and whose metadata names
 * the public port. Everything else — the listener on that port and the path routes to each
 * service — comes from the control plane.
 */
export async function startGateway(supervisor: ProcessSupervisor, options: GatewayOptions): Promise<GatewayHandle> {
  const port = options.port ?? (await freePort());
  const nodeId = options.nodeId ?? 'gateway-1';
  const envoy = await startEnvoy(supervisor, {
    name: 'gateway-envoy',
    ...(options.adminPort !== undefined ? { adminPort: options.adminPort } : {}),
    bootstrap: (adminPort) =>
      adsBootstrap(
        {
          nodeId,
          service: GATEWAY_CLUSTER,
          xdsAddress: options.xds.address,
          xdsPort: options.xds.port,
          apiType: options.xds.apiType ?? 'GRPC',
          metadata: { gateway_port: port },
        },
        adminPort,
      ),
  });
  await waitFor(`${nodeId}: the control plane's gateway listener on :${port}`, async () => (await envoyListeners(envoy.adminUrl)).includes(GATEWAY_LISTENER), {
    timeoutMs: options.readyTimeoutMs ?? 30_000,
    abort: envoy.process.exited.then((exit) => {
      throw new Error(`gateway Envoy exited (${exit.signal ?? exit.code}); see ${envoy.process.logFile}`);
    }),
  });
  return { url: `http://127.0.0.1:${port}`, port, envoy };
}

import type { LocalService, MeshModel } from './model';
import { ANY_SERVICE, type LocalTimeoutsModel, type MeshConfigModel } from './policy-model';

/**
 * The service a sidecar fronts, as its inbound listener needs it: the sidecar's public
 * port (registration meta `sidecar_port`) and the app's port (Service.Port). The proxy
 * may name its instance (node metadata `service_instance_id`); otherwise the first
 * instance of its service that declares a sidecar port is used.
 */
export function localServiceFor(model: MeshModel, service: string, instanceId: string | undefined): LocalService | undefined {
  const found = model.services.get(service);
  if (!found) return undefined;
  const withSidecar = found.endpoints.filter((e) => e.sidecarPort !== undefined);
  const endpoint = (instanceId ? withSidecar.find((e) => e.id === instanceId) : undefined) ?? withSidecar[0];
  if (!endpoint?.sidecarPort) return undefined;
  return { name: service, sidecarPort: endpoint.sidecarPort, appPort: endpoint.appPort, protocol: found.protocol, ...localTimeouts(model.config, service) };
}

/**
 * How `service`'s sidecar reaches its app: its service-defaults' LocalConnectTimeoutMs and
 * LocalRequestTimeoutMs, each else proxy-defaults', then `registered` (a Connect registration's
 * Proxy.Config, where Consul merges both) over them.
 */
export function localTimeouts(config: MeshConfigModel | undefined, service: string, registered: Partial<LocalTimeoutsModel> = {}): Pick<LocalService, 'connectTimeoutMs' | 'requestTimeoutMs'> {
  const own = config?.localTimeouts?.get(service);
  const any = config?.localTimeouts?.get(ANY_SERVICE);
  const connectTimeoutMs = registered.connectTimeoutMs ?? own?.connectTimeoutMs ?? any?.connectTimeoutMs;
  const requestTimeoutMs = registered.requestTimeoutMs ?? own?.requestTimeoutMs ?? any?.requestTimeoutMs;
  return { ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}), ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) };
}

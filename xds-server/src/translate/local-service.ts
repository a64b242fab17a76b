import type { LocalService, MeshModel } from './model';

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
  return { name: service, sidecarPort: endpoint.sidecarPort, appPort: endpoint.appPort, protocol: found.protocol };
}

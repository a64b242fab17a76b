import type { MeshModel, ServiceModel } from './model';

export interface LocalBind {
  service: ServiceModel;
  port: number;
}

/**
 * The upstreams a caller's sidecar also serves on 127.0.0.1:<localBindPort>. One whose
 * service the catalog does not list gets its listener once the service appears, since
 * its cluster is not sent before.
 */
export function localBinds(mesh: MeshModel, caller: string): LocalBind[] {
  const binds: LocalBind[] = [];
  for (const upstream of mesh.config?.upstreams.get(caller) ?? []) {
    const service = mesh.services.get(upstream.service);
    if (service && upstream.localBindPort !== undefined) binds.push({ service, port: upstream.localBindPort });
  }
  return binds;
}

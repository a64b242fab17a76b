import type { MeshModel } from './model';

export const OUTBOUND_ROUTE_NAME = 'outbound';

/**
 * Routes by Host/:authority to the target service. The outbound HCM strips the port
 * before matching, so `<name>` and `<name>.service.consul` cover both with and without a
 * port. Only services whose cluster is in the same snapshot get a virtual host, so no
 * route points at a cluster that was never sent.
 */
export function outboundRouteConfiguration(mesh: MeshModel): object {
  return {
    name: OUTBOUND_ROUTE_NAME,
    virtual_hosts: [...mesh.services.values()].map((service) => ({
      name: service.name,
      domains: [service.name, `${service.name}.service.consul`],
      routes: [{ match: { prefix: '/' }, route: { cluster: service.name } }],
    })),
  };
}

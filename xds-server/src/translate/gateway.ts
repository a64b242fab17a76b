import type { MeshModel } from './model';
import type { GatewayRouteModel } from './policy-model';

export const DEFAULT_GATEWAY_NAME = 'gateway';
export const DEFAULT_GATEWAY_PORT = 8080;

/** The node.cluster the gateway Envoy identifies with. */
export function gatewayName(mesh: MeshModel): string {
  return mesh.config?.gateway?.name ?? DEFAULT_GATEWAY_NAME;
}

/** Node metadata wins, so several gateways (or tests) can run on one machine. */
export function gatewayPort(mesh: MeshModel, fromNode: number | undefined): number {
  return fromNode ?? mesh.config?.gateway?.port ?? DEFAULT_GATEWAY_PORT;
}

/**
 * The gateway's routes in match order. Without a DSL gateway section every catalog service
 * but the gateway itself is published as `/<service>/`, with the prefix rewritten to `/`.
 */
export function gatewayRoutes(mesh: MeshModel): readonly GatewayRouteModel[] {
  const declared = mesh.config?.gateway?.routes;
  if (declared) return declared;
  const self = gatewayName(mesh);
  return [...mesh.services.keys()].filter((name) => name !== self).map((service) => ({ prefix: `/${service}/`, service, rewritePrefix: '/', methods: [] }));
}

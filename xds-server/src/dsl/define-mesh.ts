import type { ConsulPlacement, ControlPlanePlacement, GatewayDefinition, MeshDefinition, NodeDefinition, ServiceDefinition, TrafficPolicy } from './mesh-definition';

/**
 * Declares a mesh. Node and service names are inferred from the keys of `nodes` and
 * `services` only (`NoInfer` elsewhere), so a reference to a name that is not declared is
 * a compile error rather than a new name.
 */
export function defineMesh<const N extends string, const S extends string>(mesh: {
  name: string;
  nodes: Readonly<Record<N, NodeDefinition>>;
  services: Readonly<Record<S, ServiceDefinition<NoInfer<N>, NoInfer<S>>>>;
  gateway?: GatewayDefinition<NoInfer<N>, NoInfer<S>>;
  consul?: ConsulPlacement<NoInfer<N>>;
  controlPlane?: ControlPlanePlacement<NoInfer<N>>;
  defaults?: MeshDefinition<N, S>['defaults'] & Pick<TrafficPolicy<NoInfer<S>>, 'mtls'>;
}): MeshDefinition<N, S> {
  return mesh;
}

import type { ConnectCaSnapshot } from '../consul/connect-ca-snapshot';
import { gatewayName } from './gateway';
import type { MeshModel } from './model';
import type { MeshConfigModel, MtlsMode } from './policy-model';
import type { MeshIdentity } from './tls-context';

/**
 * Mesh-level mTLS decisions: which mode a destination is in, where SPIFFE IDs live, and which
 * services need a leaf certificate. A destination's mode comes from the DSL (`traffic.mtls`,
 * else `defaults.mtls`, else `off`); a service the DSL does not declare, and every service
 * when the control plane runs without a config, is `off`.
 */

/** The destination's mode: how its sidecar accepts connections and how callers connect to it. */
export function mtlsMode(config: MeshConfigModel | undefined, service: string): MtlsMode {
  return config?.policies.get(service)?.mtls ?? 'off';
}

/** Whether callers reach the destination over mTLS: `strict` and `permissive` both do. */
export function callersUseTls(mode: MtlsMode): boolean {
  return mode !== 'off';
}

/** Whether any destination needs certificates. */
export function mtlsInUse(config: MeshConfigModel | undefined): boolean {
  return [...(config?.policies.values() ?? [])].some((policy) => callersUseTls(policy.mtls));
}

/**
 * Where SPIFFE IDs of this mesh live. The datacenter is read from the leaves, so it is known
 * once the CA snapshot holds at least one leaf; until then TLS contexts cannot be built.
 */
export function meshIdentity(ca: ConnectCaSnapshot | undefined): MeshIdentity | undefined {
  return ca?.datacenter === undefined ? undefined : { trustDomain: ca.trustDomain, datacenter: ca.datacenter };
}

/**
 * The services that need a leaf certificate while mTLS is in use anywhere: every catalog
 * service, every DSL service and the gateway. A caller in `off` mode still presents its leaf
 * to a `strict` destination, so all of them need one; none does while mTLS is off everywhere.
 */
export function certificateSubjects(catalogServices: Iterable<string>, config: MeshConfigModel | undefined): string[] {
  if (!mtlsInUse(config)) return [];
  const subjects = new Set([...catalogServices, ...(config?.policies.keys() ?? [])]);
  subjects.add(gatewayName({ services: new Map(), ...(config ? { config } : {}) } satisfies MeshModel));
  return [...subjects].sort();
}

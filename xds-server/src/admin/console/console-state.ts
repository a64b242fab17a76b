import type { ConnectCaHealth } from '../../consul/connect-ca-health';
import type { ConnectCaStatus } from '../../consul/connect-ca-watcher';
import type { MeshConfigStatus } from '../../control-plane/mesh-config-sync.service';
import { TypeUrl } from '../../resources/type-url';
import type { PolicySources } from '../../translate/policy-sources';
import type { ProxyInfo } from '../proxy-info';
import type { ResourceSource } from './nack-source';
import type { Topology } from './topology';

export interface ConsoleProxy extends ProxyInfo {
  /** Envoy's admin (node metadata admin_address), where `mesh diff` reads /config_dump. */
  adminAddress: string | null;
  /** Per type with a NACK: where each rejected resource came from. */
  nackSources: Partial<Record<keyof ProxyInfo['types'], ResourceSource[]>>;
}

export interface ConsoleCa {
  health: ConnectCaHealth;
  trustDomain: string | null;
  activeRootId: string | null;
  roots: Array<{ id: string; serialNumber: string; active: boolean; notAfter: string }>;
  leaves: Array<{ service: string; serialNumber: string; expires: string; renewable: boolean }>;
  warnings: string[];
}

/** The live part of the console, sent whole on every change over Server-Sent Events. */
export interface ConsoleState {
  controlPlane: string;
  health: { status: string; reasons: string[] };
  topology: Topology;
  proxies: ConsoleProxy[];
  config: MeshConfigStatus | null;
  ca: ConsoleCa | null;
  /** Where each destination's policy comes from, and what is not served as written (as /info/routes). */
  policy: { sources: PolicySources[]; problems: string[] };
  /** Which outside systems are configured (the views read them on demand). */
  sources: { prometheus: string | null; jaeger: string | null; temporal: string | null; temporalUi: string | null };
}

export const SHORT_TO_TYPE_URL = {
  CDS: TypeUrl.Cluster,
  EDS: TypeUrl.Endpoint,
  LDS: TypeUrl.Listener,
  RDS: TypeUrl.Route,
  SDS: TypeUrl.Secret,
} as const;

export function consoleCa(status: ConnectCaStatus | undefined, health: ConnectCaHealth | undefined): ConsoleCa | null {
  if (!status || !health) return null;
  return {
    health,
    trustDomain: status.trustDomain ?? null,
    activeRootId: status.activeRootId ?? null,
    roots: status.roots.map((r) => ({ id: r.id, serialNumber: r.serialNumber, active: r.active, notAfter: r.notAfter.toISOString() })),
    leaves: status.leaves.map((l) => ({ service: l.service, serialNumber: l.serialNumber, expires: l.validBefore.toISOString(), renewable: l.renewable })),
    warnings: status.warnings.map((w) => w.message),
  };
}

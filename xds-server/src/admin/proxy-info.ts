import type { LeafStatus } from '../consul/connect-ca-watcher';
import type { AnySession } from '../xds/xds-grpc-server';
import { PUSH_ORDER, TYPE_SHORT_NAME, type TypeShortName } from '../resources/type-url';

/** Per type, in the style of `istioctl proxy-status`. */
export type SyncStatus = 'SYNCED' | 'STALE' | 'NACKED';

export interface TypeInfo {
  status: SyncStatus;
  /** The version the proxy last accepted. */
  acked: string | null;
  lastNack: { version: string; resources: string[]; error: string; at: string } | null;
}

export interface ProxyInfo {
  nodeId: string;
  service: string;
  kind: 'envoy' | 'grpc';
  protocol: 'SotW' | 'Delta';
  connectedSince: string;
  types: Partial<Record<TypeShortName, TypeInfo>>;
  /** The certificate served to the proxy as `identity` (the leaf of its service); null when it has none. */
  certificate: CertificateInfo | null;
}

export interface CertificateInfo {
  serialNumber: string;
  spiffeId: string;
  validAfter: string;
  expires: string;
  /** False while Consul cannot renew it (its leaf watch is failing). */
  renewable: boolean;
}

/**
 * NACKED: the proxy rejected the latest response it answered. STALE: a response is
 * waiting for its answer. SYNCED: the proxy accepted everything sent so far.
 */
export function proxyInfo(session: AnySession, leaves: ReadonlyMap<string, LeafStatus> = new Map()): ProxyInfo | undefined {
  const node = session.node;
  if (!node) return undefined;
  const types: ProxyInfo['types'] = {};
  for (const subscription of session.state.subscriptions()) {
    const { typeUrl } = subscription;
    const nack = session.state.lastNack(typeUrl);
    const status: SyncStatus =
      session.lastAnswer(typeUrl) === 'NACK' ? 'NACKED' : subscription.awaitingNonce !== undefined ? 'STALE' : 'SYNCED';
    types[TYPE_SHORT_NAME[typeUrl]] = {
      status,
      acked: session.state.ackedVersion(typeUrl) ?? null,
      lastNack: nack
        ? { version: nack.rejectedVersion, resources: nack.resourceNames, error: nack.error.message, at: nack.at.toISOString() }
        : null,
    };
  }
  return {
    nodeId: node.identity.id,
    service: node.identity.service,
    kind: node.identity.kind,
    protocol: session.protocol === 'sotw' ? 'SotW' : 'Delta',
    connectedSince: session.connectedSince.toISOString(),
    types: Object.fromEntries(PUSH_ORDER.map((t) => TYPE_SHORT_NAME[t]).filter((t) => types[t]).map((t) => [t, types[t]])),
    certificate: node.identity.kind === 'envoy' ? certificateInfo(leaves.get(node.identity.service)) : null,
  };
}

/** Proxyless gRPC clients get no secrets, so only Envoy proxies hold a certificate. */
function certificateInfo(leaf: LeafStatus | undefined): CertificateInfo | null {
  if (!leaf) return null;
  return {
    serialNumber: leaf.serialNumber,
    spiffeId: leaf.serviceUri,
    validAfter: leaf.validAfter.toISOString(),
    expires: leaf.validBefore.toISOString(),
    renewable: leaf.renewable,
  };
}

import type { Intention } from '../consul/connect-intentions';
import type { GatewayKind } from '../consul/service-instance';
import type { IngressGatewayModel } from './ingress-gateway';
import type { ConnectCaSnapshot } from '../consul/connect-ca-snapshot';
import type { ConfigSourceRef } from './config-source';
import type { LocalTimeoutsModel, MeshConfigModel, UpstreamOverrideModel } from './policy-model';
import type { TracingModel } from './tracing';
/**
 * What translation consumes: the healthy endpoints of every service in the catalog, and
 * the identity of the proxy asking. Consul (and later the DSL) produce these; translation
 * never talks to either.
 */
export type ServiceProtocol = 'http' | 'http2' | 'grpc' | 'tcp';

export interface ServiceEndpoint {
  /** Consul service instance id. */
  id: string;
  /** An IP literal: gRPC clients reject hostnames. */
  address: string;
  /** The port callers connect to: the instance's sidecar port when it has one, else the service port. */
  port: number;
  /** The app's own port (Consul's Service.Port). */
  appPort: number;
  /** The sidecar's public port, from the registration's `sidecar_port` meta, when it has a sidecar. */
  sidecarPort: number | undefined;
  /** Warning instances stay routable at a lower weight; critical ones never reach this model. */
  health: 'passing' | 'warning';
  /** Load-balancing weight, 1..128. */
  weight: number;
  /** Registration tags and meta, for subset selection. */
  tags: readonly string[];
  meta: Readonly<Record<string, string>>;
}

export interface ServiceModel {
  name: string;
  protocol: ServiceProtocol;
  /** Whether the registration says the protocol (meta `protocol` or a tag), or it is the default. */
  protocolDeclared?: boolean;
  endpoints: readonly ServiceEndpoint[];
}

export interface MeshModel {
  /** By service name, sorted by name so that output is deterministic. */
  services: ReadonlyMap<string, ServiceModel>;
  /** From mesh.config.ts; undefined when the control plane runs without one. */
  config?: MeshConfigModel;
  /** Where proxies send spans; undefined turns tracing off. */
  tracing?: TracingModel;
  /**
   * The Connect CA's roots and leaves, when the control plane follows the CA (it has a
   * config). The SPIFFE identity of the mesh comes from it, so a policy in `strict` or
   * `permissive` mode needs it (MeshState holds such a config back until it is in).
   */
  ca?: ConnectCaSnapshot;
  /** Consul intentions, followed live; they narrow who may call a destination (see caller-authorization.ts). */
  intentions?: readonly Intention[];
  /** Consul Connect sidecar registrations, by proxy service ID (the node.id of `consul connect envoy`'s bootstrap). */
  connectProxies?: ReadonlyMap<string, ConnectSidecar>;
  /** Consul gateway registrations, by service ID (the node.id of `consul connect envoy -gateway`'s bootstrap). */
  gateways?: ReadonlyMap<string, GatewayRegistration>;
  /** What each ingress gateway's `ingress-gateway` config entry publishes, by gateway service name. */
  ingressGateways?: ReadonlyMap<string, IngressGatewayModel>;
}

/** A `consul connect envoy -gateway=<kind> -register` registration: the gateway proxy, not a destination. */
export interface GatewayRegistration {
  id: string;
  /** The gateway's service name: the node.cluster its Envoy claims. */
  service: string;
  kind: GatewayKind;
  /** Where its listeners bind: the registration's address. */
  address: string;
  /** Parts of the registration this control plane does not serve, each saying what and why. */
  unsupported: readonly string[];
}

/** A listener a Connect sidecar serves for one of its `Proxy.Upstreams`. */
export interface ConnectUpstreamBind {
  service: string;
  address: string;
  port: number;
  /** The registration's own connect timeout, limits and passive health check for this upstream. */
  override?: UpstreamOverrideModel;
}

/** Plaintext paths of the app that a Connect sidecar serves on one port (`Proxy.Expose.Paths`). */
export interface ExposeListener {
  port: number;
  paths: ReadonlyArray<{ path: string; localPathPort: number; protocol: 'http' | 'http2' }>;
}

/** A `Kind: connect-proxy` registration, as its own Envoy's view needs it. */
export interface ConnectSidecar {
  /** The proxy's service ID. */
  id: string;
  node: string;
  /** The destination service: the node.cluster its Envoy claims. */
  service: string;
  /** The registration's `Port`: its public listener. */
  publicPort: number;
  /** Where the public listener forwards: `LocalServiceAddress:LocalServicePort`, else the destination instance's port. */
  local: { address: string; port: number | undefined };
  upstreams: readonly ConnectUpstreamBind[];
  expose: readonly ExposeListener[];
  /** Parts of the registration this control plane does not serve, each saying what and why. */
  unsupported: readonly string[];
  /** Protocols the registration's `Config` maps name (Consul copies them there); served ones come from the config entries. */
  protocols?: ReadonlyArray<{ path: string; service: string; protocol: string }>;
  /** `Proxy.Config`'s local_connect_timeout_ms and local_request_timeout_ms (Consul merges service-defaults there). */
  localTimeouts?: Partial<LocalTimeoutsModel>;
}

/** A sidecar's own service: where its inbound listener listens and where the app is. */
export interface LocalService {
  name: string;
  sidecarPort: number;
  /** Loopback unless a Connect registration names another `LocalServiceAddress`. */
  appAddress?: string;
  appPort: number;
  protocol: ServiceProtocol;
  /** The local_app cluster's connect timeout and the inbound route's timeout; undefined: the defaults. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}


export interface ProxyIdentity {
  /** node.id */
  id: string;
  /** node.cluster: the service this proxy fronts (may be unknown to the catalog). */
  service: string;
  /** Envoy sidecar (wildcard CDS/LDS) or proxyless gRPC client (LDS by service name). */
  kind: 'envoy' | 'grpc';
  outboundAddress: string;
  outboundPort: number;
  /** Where this proxy fetches dependent resources: its ADS stream, or the per-type services. */
  configSource: ConfigSourceRef;
  /** The public port a gateway proxy listens on (node metadata `gateway_port`), when it says. */
  gatewayPort?: number;
}

import type { CheckStatus } from './instance-health';
import type { UpstreamSettings } from './upstream-config';

/** Health of an instance that is still served: critical instances are removed, never sent. */
export type ServingHealth = Exclude<CheckStatus, 'critical'>;

/** Consul's per-instance load-balancing weights (`Service.Weights`), default 1/1. */
export interface InstanceWeights {
  readonly passing: number;
  readonly warning: number;
}

/** One entry of a Connect proxy's `Proxy.Upstreams`. */
export interface ConnectUpstream {
  readonly destinationType: 'service' | 'prepared_query';
  readonly destinationName: string;
  /** Empty for the local datacenter. */
  readonly datacenter: string;
  /** Consul's default is 127.0.0.1. */
  readonly localBindAddress: string;
  /** Undefined when the upstream binds a unix socket (`LocalBindSocketPath`) instead. */
  readonly localBindPort: number | undefined;
  /** `Config`'s connect timeout, limits and passive health check, when it sets any. */
  readonly settings?: UpstreamSettings;
  /** `Config.protocol`: Consul copies the upstream's protocol there; what is served comes from the config entries. */
  readonly protocol?: string;
}

/** One entry of `Proxy.Expose.Paths`: a plaintext path of the app, served on its own port. */
export interface ExposePath {
  readonly path: string;
  readonly localPathPort: number;
  readonly listenerPort: number;
  readonly protocol: 'http' | 'http2';
}

/**
 * The `Proxy` block of a `Kind: connect-proxy` registration: whose sidecar it is and what it
 * serves besides the public listener on its own `Port`.
 */
export interface ConnectProxyRegistration {
  readonly destinationService: string;
  /** The instance it fronts, on the same node; Consul sets it for `sidecar_service` registrations. */
  readonly destinationServiceId: string | undefined;
  /** Where the app listens; Consul's defaults are 127.0.0.1 and the destination's port. */
  readonly localServiceAddress: string | undefined;
  readonly localServicePort: number | undefined;
  /** `Proxy.Mode`: '' and 'direct' are served; 'transparent' needs iptables this control plane does not set up. */
  readonly mode: string;
  readonly upstreams: readonly ConnectUpstream[];
  readonly exposePaths: readonly ExposePath[];
  /** `Config.protocol`: Consul copies the destination's protocol there; what is served comes from the config entries. */
  readonly protocol?: string;
  /** `Config`'s local_connect_timeout_ms and local_request_timeout_ms (Consul merges service-defaults there). */
  readonly localTimeouts?: { readonly connectTimeoutMs: number | undefined; readonly requestTimeoutMs: number | undefined };
  /** Fields set that this control plane does not serve, each with its path and why. */
  readonly ignored: readonly string[];
}

/** Consul's gateway kinds: such a registration is the gateway proxy itself, never a destination. */
export const GATEWAY_KINDS = ['ingress-gateway', 'terminating-gateway', 'mesh-gateway', 'api-gateway'] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];

export interface GatewayProxyRegistration {
  readonly kind: GatewayKind;
  /** `Proxy.Config` keys this control plane does not serve (bind addresses among them), each with its path. */
  readonly ignored: readonly string[];
}

/**
 * One instance of a service, as the translator needs it. Frozen. Ordinary instances are only
 * ever passing or warning: critical ones are removed. A Connect proxy is kept while critical,
 * so that its destination is still known to be behind a sidecar and is never reached around it,
 * and so is a gateway, whose Envoy is served from its registration whatever its health.
 */
export interface ServiceInstance {
  /** Service.ID; unique per node, so (node, id) identifies the instance. */
  readonly id: string;
  readonly service: string;
  readonly node: string;
  /** Service.Address, or Node.Address when the service has none. May be a hostname. */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly health: CheckStatus;
  readonly weights: InstanceWeights;
  /** Set for `Kind: connect-proxy` registrations only. */
  readonly connectProxy?: ConnectProxyRegistration;
  /** Set for gateway registrations (`consul connect envoy -gateway=<kind> -register`). */
  readonly gateway?: GatewayProxyRegistration;
}

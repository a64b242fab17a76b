import { spiffeId } from '../consul/connect-ca';
import { type ConfigSourceRef, configSource } from './config-source';
import type { ServiceProtocol } from './model';
import type { MtlsMode } from './policy-model';
import { IDENTITY_SECRET_NAME, ROOTS_SECRET_NAME } from './secret.translator';

export { spiffeId };

/**
 * TLS between sidecars with Connect CA certificates. Certificates and the trust bundle are
 * never inlined here: the contexts name SDS secrets (secret.translator.ts), so a renewed leaf
 * or a root rotation is one small SDS push and no listener or cluster changes.
 */

const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
/** Filter chain names on an inbound listener, for /config_dump and stats. */
export const MTLS_FILTER_CHAIN = 'mtls';
export const PLAINTEXT_FILTER_CHAIN = 'plaintext';

/** TLS 1.2 as the floor, as Consul's own proxies use; 1.3 is negotiated whenever both sides have it. */
const TLS_PARAMS = { tls_minimum_protocol_version: 'TLSv1_2' };

/** Where a SPIFFE ID lives: the CA's trust domain and the datacenter of the local Consul agent. */
export interface MeshIdentity {
  readonly trustDomain: string;
  readonly datacenter: string;
}

/**
 * The SNI a caller sends to a service, in Consul's own scheme
 * (`<service>.default.<dc>.internal.<trust-domain>`), so that a Consul mesh gateway or a
 * Consul-managed sidecar would route it the same way. Our inbound listeners do not match on it.
 */
export function serviceSni(service: string, identity: MeshIdentity): string {
  return `${service}.default.${identity.datacenter}.internal.${identity.trustDomain}`;
}

function sdsSecret(name: string, source: ConfigSourceRef): object {
  return { name, sds_config: configSource(source) };
}

/** What the TLS handshake offers: HTTP services negotiate h2 or HTTP/1.1, TCP services nothing. */
function downstreamAlpn(protocol: ServiceProtocol): object {
  return protocol === 'tcp' ? {} : { alpn_protocols: ['h2', 'http/1.1'] };
}

/** Must agree with the protocol the cluster speaks (HTTP/2 options for grpc and http2). */
function upstreamAlpn(protocol: ServiceProtocol): object {
  if (protocol === 'tcp') return {};
  return { alpn_protocols: protocol === 'http' ? ['http/1.1'] : ['h2'] };
}

export interface DownstreamTlsOptions {
  /** The protocol of the service the sidecar fronts. */
  protocol: ServiceProtocol;
  configSource: ConfigSourceRef;
  /**
   * The secret to present. Default `identity`: the proxy's own leaf, which the control plane
   * serves to each proxy under that one name. Another name suits an Envoy holding several leaves.
   */
  certificate?: string;
}

/** DownstreamTlsContext of a sidecar's public listener: presents the proxy's leaf and requires a client certificate from the mesh CA. */
export function downstreamTlsContext(options: DownstreamTlsOptions): object {
  return {
    '@type': DOWNSTREAM_TLS,
    common_tls_context: {
      tls_params: TLS_PARAMS,
      tls_certificate_sds_secret_configs: [sdsSecret(options.certificate ?? IDENTITY_SECRET_NAME, options.configSource)],
      validation_context_sds_secret_config: sdsSecret(ROOTS_SECRET_NAME, options.configSource),
      ...downstreamAlpn(options.protocol),
    },
    require_client_certificate: { value: true },
  };
}

/** The transport_socket of an inbound filter chain. */
export function downstreamTransportSocket(options: DownstreamTlsOptions): object {
  return { name: TLS_TRANSPORT_SOCKET, typed_config: downstreamTlsContext(options) };
}

export interface UpstreamTlsOptions {
  /** The service the cluster leads to: its exact SPIFFE ID must be in the server certificate. */
  destination: string;
  protocol: ServiceProtocol;
  identity: MeshIdentity;
  configSource: ConfigSourceRef;
  /** The client certificate's secret. Default `identity`, the calling proxy's own leaf (see DownstreamTlsOptions). */
  certificate?: string;
}

/**
 * UpstreamTlsContext of a cluster to a mesh service: presents the caller's leaf and accepts
 * only a server certificate from the mesh CA whose URI SAN is exactly the destination's
 * SPIFFE ID, so an endpoint of another service (a stale or hijacked address) is refused.
 */
export function upstreamTlsContext(options: UpstreamTlsOptions): object {
  return {
    '@type': UPSTREAM_TLS,
    sni: serviceSni(options.destination, options.identity),
    common_tls_context: {
      tls_params: TLS_PARAMS,
      tls_certificate_sds_secret_configs: [sdsSecret(options.certificate ?? IDENTITY_SECRET_NAME, options.configSource)],
      combined_validation_context: {
        default_validation_context: {
          match_typed_subject_alt_names: [
            { san_type: 'URI', matcher: { exact: spiffeId(options.identity.trustDomain, options.identity.datacenter, options.destination) } },
          ],
        },
        validation_context_sds_secret_config: sdsSecret(ROOTS_SECRET_NAME, options.configSource),
      },
      ...upstreamAlpn(options.protocol),
    },
  };
}

/** The transport_socket of a cluster. */
export function upstreamTransportSocket(options: UpstreamTlsOptions): object {
  return { name: TLS_TRANSPORT_SOCKET, typed_config: upstreamTlsContext(options) };
}

export interface InboundChainsOptions {
  mode: MtlsMode;
  /** Network filters of connections that arrive over mTLS (the HTTP connection manager with RBAC, or tcp_proxy with network RBAC). */
  mtlsFilters: readonly object[];
  /**
   * Network filters of plaintext connections (`off`, and the plaintext half of `permissive`).
   * Default: `mtlsFilters`. A plaintext caller has no certificate, so a principal-based RBAC
   * filter denies it; pass the filters without RBAC to accept plaintext callers during a
   * migration, as Consul's own permissive mode does.
   */
  plaintextFilters?: readonly object[];
  /** From downstreamTransportSocket(); unused in `off`. */
  transportSocket: object;
}

/** The fields an inbound listener takes from its mTLS mode, to spread into the Listener. */
export interface InboundChains {
  listener_filters?: object[];
  continue_on_listener_filters_timeout?: boolean;
  filter_chains: object[];
}

/**
 * `strict`: one chain that requires mTLS, so a plaintext client fails the handshake.
 * `permissive`: tls_inspector tells TLS from plaintext and each gets its own chain, for
 * migrating callers one by one. `off`: one plaintext chain.
 */
export function inboundFilterChains(options: InboundChainsOptions): InboundChains {
  const mtls = { name: MTLS_FILTER_CHAIN, filters: [...options.mtlsFilters], transport_socket: options.transportSocket };
  const plaintextFilters = [...(options.plaintextFilters ?? options.mtlsFilters)];
  switch (options.mode) {
    case 'strict':
      return { filter_chains: [mtls] };
    case 'off':
      return { filter_chains: [{ name: PLAINTEXT_FILTER_CHAIN, filters: plaintextFilters }] };
    case 'permissive':
      return {
        listener_filters: [{ name: TLS_INSPECTOR, typed_config: { '@type': TLS_INSPECTOR_TYPE } }],
        // A server-first plaintext protocol sends nothing for tls_inspector to read: after the
        // listener filter timeout it falls through to the plaintext chain instead of being closed.
        continue_on_listener_filters_timeout: true,
        filter_chains: [
          { ...mtls, filter_chain_match: { transport_protocol: 'tls' } },
          { name: PLAINTEXT_FILTER_CHAIN, filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: plaintextFilters },
        ],
      };
  }
}

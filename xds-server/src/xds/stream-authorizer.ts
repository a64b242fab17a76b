import { networkInterfaces } from 'node:os';
import { status } from '@grpc/grpc-js';

/** Who opened a stream, as far as the server can tell before serving it. */
export interface StreamPeer {
  /** The `x-consul-token` metadata of the call, if any. */
  readonly token: string | undefined;
  /** The service the proxy claims to front (node.cluster). */
  readonly service: string;
  /** The peer's IP address, without port or brackets. */
  readonly address: string;
}

export type StreamVerdict =
  /** `secrets`: whether SDS may hand this peer the service's key and the trust bundle. */
  | { readonly allowed: true; readonly secrets: boolean }
  | StreamDenial;

export interface StreamDenial {
  readonly allowed: false;
  readonly code: status.UNAUTHENTICATED | status.PERMISSION_DENIED | status.UNAVAILABLE;
  /** Sent to the client as the status details: what is wrong and how to fix it. */
  readonly reason: string;
}

/**
 * Decides whether a stream may be served, before it receives any resource, and withdraws
 * the decision later (a revoked token). The xDS engine knows nothing of Consul; the control
 * plane supplies the Consul-backed implementation.
 */
export interface StreamAuthorizer {
  authorize(peer: StreamPeer): Promise<StreamVerdict>;
  /** Calls `revoked` once a re-check no longer allows `peer`; returns a function that stops watching. */
  watch(peer: StreamPeer, revoked: (denial: StreamDenial) => void): () => void;
}

/** Serves every peer everything: for embedding and tests that run no Consul ACLs and only loopback peers. */
export const ALLOW_ALL: StreamAuthorizer = {
  authorize: () => Promise.resolve({ allowed: true, secrets: true }),
  watch: () => () => undefined,
};

/** The host of a grpc-js peer string (`1.2.3.4:5`, `[::1]:5`, `ipv4:…`, `unix:…`). */
export function peerAddress(peer: string): string {
  const bare = peer.replace(/^(ipv4|ipv6):/, '');
  if (bare.startsWith('unix:')) return 'unix';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  if (bracketed) return bracketed[1] as string;
  const lastColon = bare.lastIndexOf(':');
  return lastColon > 0 && bare.indexOf(':') === lastColon ? bare.slice(0, lastColon) : bare;
}

/**
 * A peer on this host: loopback (127.0.0.0/8, ::1, IPv4-mapped loopback), a unix socket, or
 * one of this host's own interface addresses (a sidecar that reaches the control plane beside
 * it through the node's LAN address). `own` is read fresh by default: interfaces come and go.
 */
export function isLocalPeer(address: string, own: () => ReadonlySet<string> = hostAddresses): boolean {
  if (address === 'unix' || address === '::1' || /^(::ffff:)?127\./.test(address)) return true;
  return own().has(address.replace(/^::ffff:/, ''));
}

function hostAddresses(): ReadonlySet<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
}

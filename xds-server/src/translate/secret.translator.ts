import { type CaRoot, type LeafCert, trustBundlePem } from '../consul/connect-ca';

/**
 * SDS secrets from the Connect CA. Envoy asks for secrets by name, so the names are the
 * contract between these resources and the TLS contexts that reference them. Two names are
 * served: `roots` (the trust bundle, the same for every proxy) and `identity` (the proxy's own
 * certificate: the leaf of the service it fronts, a different one per proxy under one name, as
 * Istio serves `default`). Clusters are encoded once and shared by every proxy, so they can only
 * name the caller's certificate generically. Names never change with content, so a rotation is
 * a new version of the same secret and Envoy swaps it in without draining anything.
 */

/** A trust bundle without a root would make every peer certificate fail validation. */
export class NoCaRootsError extends Error {
  override readonly name = 'NoCaRootsError';
  constructor() {
    super(
      `The "roots" secret cannot be built: the Connect CA lists no root (GET /v1/agent/connect/ca/roots). ` +
        'Check that Connect is enabled on the Consul servers (connect { enabled = true }) and that the CA is initialised.',
    );
  }
}

/** The validation context: every CA root, old and new during a rotation. */
export const ROOTS_SECRET_NAME = 'roots';

/** The certificate a proxy presents, inbound and outbound: the leaf of its own service. */
export const IDENTITY_SECRET_NAME = 'identity';

const LEAF_PREFIX = 'leaf:';

/**
 * A per-service name for a leaf, for an Envoy that holds several identities at once (static
 * secrets in tests); the control plane serves each proxy its own leaf as `identity`.
 */
export function leafSecretName(service: string): string {
  return `${LEAF_PREFIX}${service}`;
}

/** envoy.extensions.transport_sockets.tls.v3.Secret carrying a service's certificate chain and key as `leaf:<service>`. */
export function leafSecret(leaf: Pick<LeafCert, 'service' | 'certChainPem' | 'privateKeyPem'>): object {
  return certificateSecret(leafSecretName(leaf.service), leaf);
}

/** The `identity` secret of a proxy fronting `leaf.service`. */
export function identitySecret(leaf: Pick<LeafCert, 'certChainPem' | 'privateKeyPem'>): object {
  return certificateSecret(IDENTITY_SECRET_NAME, leaf);
}

function certificateSecret(name: string, leaf: Pick<LeafCert, 'certChainPem' | 'privateKeyPem'>): object {
  return {
    name,
    tls_certificate: {
      certificate_chain: { inline_string: leaf.certChainPem },
      private_key: { inline_string: leaf.privateKeyPem },
    },
  };
}

/** envoy.extensions.transport_sockets.tls.v3.Secret carrying the trust bundle. */
export function rootsSecret(roots: readonly Pick<CaRoot, 'rootCertPem'>[]): object {
  if (roots.length === 0) throw new NoCaRootsError();
  return {
    name: ROOTS_SECRET_NAME,
    validation_context: { trusted_ca: { inline_string: trustBundlePem(roots) } },
  };
}

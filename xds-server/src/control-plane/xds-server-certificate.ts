import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ConnectCaSnapshot } from '../consul/connect-ca-snapshot';
import { ConnectCaWatcher } from '../consul/connect-ca-watcher';
import type { ConsulTransport } from '../consul/consul-transport';

type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface XdsServerCertificateStatus {
  /** The Consul service name the certificate is issued for. */
  service: string;
  /** The SPIFFE ID of the certificate being served; undefined until Consul has issued one. */
  serviceUri: string | undefined;
  serialNumber: string | undefined;
  /** Epoch ms. */
  validBefore: number | undefined;
}

/**
 * The xDS server's own TLS certificate: a Connect leaf that Consul's CA issues for one
 * service name (`--xds-tls-service`), followed with a blocking query and rotated in place, so
 * that proxies verifying against the Consul CA know they reach the real control plane.
 * Issuing it needs `service:write` on that name when Consul runs ACLs: the control plane's
 * token must be allowed to act as it.
 */
export class XdsServerCertificate implements experimental.CertificateProvider {
  private readonly watcher: ConnectCaWatcher;
  private readonly identityListeners = new Set<IdentityListener>();
  private identity: experimental.IdentityCertificateUpdate | null = null;
  private current: XdsServerCertificateStatus;

  constructor(
    readonly service: string,
    transport: ConsulTransport,
    private readonly logger: Logger,
  ) {
    this.current = { service, serviceUri: undefined, serialNumber: undefined, validBefore: undefined };
    this.watcher = new ConnectCaWatcher({
      transport,
      onSnapshot: (snapshot) => this.apply(snapshot),
      onError: (error, watch) => logger.warn({ watch, err: error.message }, 'xDS server certificate watch failed; serving the last certificate'),
    });
    this.watcher.setServices([service]);
  }

  /**
   * TLS credentials for the xDS port, with this certificate. Until Consul issues the first one
   * grpc-js drops every connection rather than serve without it. Clients present no
   * certificate: a proxy proves who it is with its ACL token instead.
   */
  credentials(): ServerCredentials {
    // grpc-js 1.14 hands this function's first argument to the credentials as the identity
    // provider and its second as the CA provider for client certificates (none here).
    return experimental.createCertificateProviderServerCredentials(this, null, false);
  }

  start(): void {
    this.watcher.start();
  }

  stop(): Promise<void> {
    return this.watcher.stop();
  }

  status(): XdsServerCertificateStatus {
    return this.current;
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    if (this.identity) listener(this.identity);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  // Never asked for: the credentials take no CA provider, since clients present no certificate.
  addCaCertificateListener(): void {}

  removeCaCertificateListener(): void {}

  private apply(snapshot: ConnectCaSnapshot): void {
    const leaf = snapshot.leaves.get(this.service);
    if (!leaf || leaf.serialNumber === this.current.serialNumber) return;
    this.identity = { certificate: Buffer.from(leaf.certChainPem), privateKey: Buffer.from(leaf.privateKeyPem) };
    this.current = { service: this.service, serviceUri: leaf.serviceUri, serialNumber: leaf.serialNumber, validBefore: leaf.validBeforeMs };
    this.logger.info({ service: this.service, serviceUri: leaf.serviceUri, serial: leaf.serialNumber }, 'xDS server certificate issued by the Consul CA');
    for (const listener of this.identityListeners) listener(this.identity);
  }
}

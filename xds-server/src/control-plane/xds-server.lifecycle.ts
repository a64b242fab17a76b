import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MeshState } from '../translate/mesh-state';
import { XdsGrpcServer } from '../xds/xds-grpc-server';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { ACL_CHANGE_PATHS, AclChanges } from '../consul/acl-changes';
import { ConsulStreamAuthorizer } from './consul-stream-authorizer';
import { XdsServerCertificate } from './xds-server-certificate';

/** Runs the raw grpc-js xDS server inside Nest's lifecycle. */
@Injectable()
export class XdsServerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly server: XdsGrpcServer;
  readonly authorizer: ConsulStreamAuthorizer;
  /** With `--xds-tls-service`: the Consul-issued certificate the xDS port serves. */
  readonly certificate: XdsServerCertificate | undefined;
  private readonly consul: ConsulClientTransport;
  private readonly aclConsul: ConsulClientTransport;
  private readonly aclChanges: AclChanges;
  private readonly certificateConsul: ConsulClientTransport | undefined;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) private readonly options: ControlPlaneOptions,
    mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    // One connection of its own: authorizing streams must not wait behind the catalog's blocking queries.
    this.consul = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: 1 });
    this.authorizer = new ConsulStreamAuthorizer({
      consul: this.consul,
      logger,
      recheckIntervalMs: options.aclRecheckIntervalMs,
      serveSecretsWithoutAcls: options.serveSecretsWithoutAcls,
    });
    // Its blocking queries hold connections of their own, one per ACL table.
    this.aclConsul = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: ACL_CHANGE_PATHS.length });
    this.aclChanges = new AclChanges({
      transport: this.aclConsul,
      onChange: () => {
        logger.info('Consul ACL state changed: re-checking the token of every served stream');
        this.authorizer.aclStateChanged();
      },
      onEnd: (why, detail) => {
        this.aclConsul.close();
        if (why === 'no-acl-read')
          logger.warn(
            { err: detail },
            `the control plane's Consul token lacks acl:read, so ACL changes are not followed: a revoked token's streams close at the next re-check (--acl-recheck-seconds, ${options.aclRecheckIntervalMs / 1000} s). Grant acl = "read" to the control plane's token to close them at once`,
          );
      },
      onError: (error) => {
        metrics.consulWatchErrors.inc({ endpoint: 'acl' });
        logger.warn({ err: error.message }, 'ACL watch failed; verdicts are still re-checked on the interval');
      },
    });
    this.server = new XdsGrpcServer(mesh, metrics, logger, { maxNewStreamsPerSecond: options.maxNewStreamsPerSecond, authorizer: this.authorizer });
    if (options.xdsTlsService) {
      // Its blocking query holds a connection, so not the authorizer's one.
      this.certificateConsul = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: 2 });
      this.certificate = new XdsServerCertificate(options.xdsTlsService, this.certificateConsul, logger);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    this.certificate?.start();
    this.aclChanges.start();
    await this.server.start({ host: this.options.xdsHost, port: this.options.xdsPort, ...(this.certificate ? { credentials: this.certificate.credentials() } : {}) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.stop();
    await this.certificate?.stop();
    await this.aclChanges.stop();
    this.authorizer.close();
    this.consul.close();
    this.aclConsul.close();
    this.certificateConsul?.close();
  }
}

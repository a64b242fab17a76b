import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MeshState } from '../translate/mesh-state';
import { XdsGrpcServer } from '../xds/xds-grpc-server';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';
import { ConsulClientTransport } from '../consul/consul-client-transport';
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
    this.server = new XdsGrpcServer(mesh, metrics, logger, { maxNewStreamsPerSecond: options.maxNewStreamsPerSecond, authorizer: this.authorizer });
    if (options.xdsTlsService) {
      // Its blocking query holds a connection, so not the authorizer's one.
      this.certificateConsul = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: 2 });
      this.certificate = new XdsServerCertificate(options.xdsTlsService, this.certificateConsul, logger);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    this.certificate?.start();
    await this.server.start({ host: this.options.xdsHost, port: this.options.xdsPort, ...(this.certificate ? { credentials: this.certificate.credentials() } : {}) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.stop();
    await this.certificate?.stop();
    this.authorizer.close();
    this.consul.close();
    this.certificateConsul?.close();
  }
}

import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MeshState } from '../translate/mesh-state';
import { XdsGrpcServer } from '../xds/xds-grpc-server';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';
import { HttpConsulTransport } from '../consul/http-consul-transport';
import { ConsulStreamAuthorizer } from './consul-stream-authorizer';

/** Runs the raw grpc-js xDS server inside Nest's lifecycle. */
@Injectable()
export class XdsServerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly server: XdsGrpcServer;
  readonly authorizer: ConsulStreamAuthorizer;
  private readonly consul: HttpConsulTransport;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) private readonly options: ControlPlaneOptions,
    mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    // One connection of its own: authorizing streams must not wait behind the catalog's blocking queries.
    this.consul = new HttpConsulTransport(options.consulAddress, { token: options.consulToken, maxConnections: 1 });
    this.authorizer = new ConsulStreamAuthorizer({
      consul: this.consul,
      logger,
      recheckIntervalMs: options.aclRecheckIntervalMs,
      serveSecretsWithoutAcls: options.serveSecretsWithoutAcls,
    });
    this.server = new XdsGrpcServer(mesh, metrics, logger, { maxNewStreamsPerSecond: options.maxNewStreamsPerSecond, authorizer: this.authorizer });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.start({ host: this.options.xdsHost, port: this.options.xdsPort });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.stop();
    this.authorizer.close();
    this.consul.close();
  }
}

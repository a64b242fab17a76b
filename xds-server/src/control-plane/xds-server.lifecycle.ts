import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MeshState } from '../translate/mesh-state';
import { XdsGrpcServer } from '../xds/xds-grpc-server';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

/** Runs the raw grpc-js xDS server inside Nest's lifecycle. */
@Injectable()
export class XdsServerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly server: XdsGrpcServer;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) private readonly options: ControlPlaneOptions,
    mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.server = new XdsGrpcServer(mesh, metrics, logger, { maxNewStreamsPerSecond: options.maxNewStreamsPerSecond });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.start({ host: this.options.xdsHost, port: this.options.xdsPort });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}

import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CatalogWatcher, catalogWatcherConnections } from '../consul/catalog-watcher';
import type { CatalogSnapshot } from '../consul/catalog-snapshot';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { CatalogModelBuilder } from '../translate/catalog-model';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

/**
 * Follows the Consul catalog and turns every change into a new mesh snapshot, at once. The
 * watcher's transport is capped at the watcher's own peak of requests, so the number of
 * connections to the agent is bounded whatever the size of the catalog.
 */
@Injectable()
export class CatalogSync implements OnModuleInit, OnModuleDestroy {
  readonly watcher: CatalogWatcher;
  private readonly models = new CatalogModelBuilder();
  private readonly transport: ConsulClientTransport;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) options: ControlPlaneOptions,
    private readonly mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = new ConsulClientTransport(options.consulAddress, { token: options.consulToken, maxConnections: catalogWatcherConnections() });
    this.watcher = new CatalogWatcher({
      transport: this.transport,
      onSnapshot: (snapshot) => this.apply(snapshot),
      onError: (error, watch) => {
        metrics.consulWatchErrors.inc({ endpoint: watch.split(':')[0] ?? watch });
        logger.warn({ watch, err: error.message }, 'Consul watch failed; serving the last known catalog');
      },
    });
  }

  onModuleInit(): void {
    this.watcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.watcher.stop();
    this.transport.close();
  }

  private apply(snapshot: CatalogSnapshot): void {
    // Consul reports wall-clock ms; propagation is measured on the monotonic clock.
    const ageNs = BigInt(Math.max(0, Math.round((Date.now() - snapshot.observedAt) * 1e6)));
    this.mesh.update(this.models.build(snapshot.services), process.hrtime.bigint() - ageNs);
    this.logger.info({ version: snapshot.version, changed: snapshot.changed }, 'catalog changed');
  }
}

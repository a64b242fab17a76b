import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { connectCaHealth, type ConnectCaHealth } from '../consul/connect-ca-health';
import { type ConnectCaSnapshot, type ConnectCaStatus, ConnectCaWatcher } from '../consul/connect-ca-watcher';
import { ConsulClientTransport } from '../consul/consul-client-transport';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

/**
 * Follows Consul's Connect CA and hands every new set of certificates to the mesh, where
 * they become SDS secrets (`roots`, and each proxy's `identity`). Leaves are watched for the
 * services MeshState names: all of them while any destination uses mTLS, none otherwise.
 * Runs only with a config file: without one every destination is `off` for good, so the
 * control plane asks Consul for nothing it will not serve.
 */
@Injectable()
export class ConnectCaSync implements OnModuleInit, OnModuleDestroy {
  readonly watcher: ConnectCaWatcher | undefined;
  private unwatch: (() => void) | undefined;
  private transport: ConsulClientTransport | undefined;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) options: ControlPlaneOptions,
    private readonly mesh: MeshState,
    metrics: XdsMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (!options.configFile) return;
    this.transport = new ConsulClientTransport(options.consulAddress, { token: options.consulToken });
    this.watcher = new ConnectCaWatcher({
      transport: this.transport,
      onSnapshot: (snapshot) => this.apply(snapshot),
      onError: (error, watch) => {
        metrics.consulWatchErrors.inc({ endpoint: watch.startsWith('leaf:') ? 'connect-ca-leaf' : 'connect-ca-roots' });
        logger.warn({ watch, err: error.message }, 'Connect CA watch failed; serving the last certificates');
      },
    });
  }

  onModuleInit(): void {
    const watcher = this.watcher;
    if (!watcher) return;
    this.unwatch = this.mesh.watchCertificateSubjects((services) => {
      this.logger.info({ services }, 'leaf certificates to follow');
      watcher.setServices(services);
    });
    watcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.unwatch?.();
    await this.watcher?.stop();
    this.transport?.close();
  }

  /** Undefined when the CA is not followed (no config file). */
  status(): ConnectCaStatus | undefined {
    return this.watcher?.status();
  }

  health(): ConnectCaHealth | undefined {
    const status = this.status();
    return status && connectCaHealth(status);
  }

  private apply(snapshot: ConnectCaSnapshot): void {
    // Consul reports wall-clock ms; propagation is measured on the monotonic clock.
    const ageNs = BigInt(Math.max(0, Math.round((Date.now() - snapshot.observedAt) * 1e6)));
    this.mesh.updateCa(snapshot, process.hrtime.bigint() - ageNs);
    this.logger.info(
      { version: snapshot.version, activeRoot: snapshot.activeRootId, roots: snapshot.roots.length, rootsChanged: snapshot.rootsChanged, changedLeaves: snapshot.changedLeaves },
      'connect CA changed',
    );
  }
}
